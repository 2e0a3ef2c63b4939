/**
 * Activity proxies of the agent workflows, with their timeouts and retry policies.
 * Activities are imported as types only: their code runs on workers, never in the sandbox.
 */
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { AgentActivities } from '../activities/index';

/**
 * Running activities heartbeat every 2 s (src/activities/heartbeat.ts): a worker killed
 * mid-activity is noticed after this long, not after the start-to-close timeout.
 */
const HEARTBEAT_TIMEOUT = '10 seconds';

/** The model call: retried with backoff (429 honours retry-after; 4xx are non-retryable). */
export const { callModel } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

/**
 * Execution through `Kernel.submit`. On cancellation the workflow waits until the activity
 * has finished, so a compensation never runs while its action may still be applying.
 */
export const { executeAction } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * The kernel's record of a tool call refused before its gate (unknown tool, malformed or
 * schema-invalid arguments, a provider refusal while deciding, a refused approval, a
 * budget, a dead workspace host): one audit record, one visible step. Runs from 0.2.0 on.
 */
export const { recordRefusal } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

/**
 * The kernel's records of several tool calls the run never ran (it stopped first), one per
 * call, in one step (Patch.RecordUnrunCalls): a turn may hold thousands of calls.
 */
export const { recordRefusals } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

/** Undo of one reversible action (compensation). */
export const { undoAction } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/** Decisions on a workspace-bound queue (the host that owns the files must resolve the paths). */
export const { decideAction: decideRemote } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/** Decisions on the workflow's own worker, and the worker's self-description. */
export const { decideAction: decideLocal, workerInfo } = proxyLocalActivities<AgentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/**
 * Undo in runs from 0.2.0 on: retried with backoff (at most a minute apart, no attempt
 * limit) until it succeeds or the run's `compensationTimeoutMs` (its schedule-to-close
 * timeout, given per call) has passed.
 */
export const { undoAction: undoActionPatiently } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
