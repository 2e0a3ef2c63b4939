/**
 * Watches a run for the CLI so an operator is never left in silence: every finished
 * activity (as `followRun` reports it), every tool call the workflow refused without an
 * activity (unknown tool, bad arguments), every approval that starts waiting, and — when
 * the history stays quiet for `noWorkerAfterMs` — whether any worker polls the task queue
 * at all (DescribeTaskQueue).
 *
 * Driven by the history's long poll; the state query runs only after a workflow task
 * completed (so a worker is there to answer it).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { endOf, stepOf, type RunEnd, type RunStep } from '../client/run-progress';
import { clientCodec } from '../codec/client-codec';
import { decodeHistory, type HistoryOwner } from '../codec/decode-history';
import { stateQuery } from '../workflows/messages';
import type { ActionSummary, PendingApproval } from '../workflows/types';

/** Least time between two poller checks while the history stays quiet. */
const RECHECK_MS = 2_000;

/** What the watcher reports. */
export interface RunWatchHandlers {
  onStep(step: RunStep): void;
  /** A tool call refused before any activity ran (decision `invalid`). */
  onInvalidCall(action: ActionSummary): void;
  /** An approval began to wait (once per request). */
  onApprovalPending(pending: PendingApproval): void;
  /** The history stayed quiet and nobody polls the queue (once per such episode). */
  onNoWorker(taskQueue: string): void;
}

/** Options of {@link watchRun}. */
export interface RunWatchOptions {
  readonly taskQueue: string;
  /** After this long without new history events, check the queue's pollers (ms). */
  readonly noWorkerAfterMs: number;
}

/** Pollers of a task queue's workflow side (empty: no worker listens). */
export async function workflowPollers(client: Client, taskQueue: string): Promise<number> {
  const answer = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return answer.pollers?.length ?? 0;
}

/**
 * Follows the run to its end, reporting as it goes. Each page is decoded with the client's
 * codec and its payloads checked against the run and activity they are recorded for, as
 * `followRun` does (an encrypted run showed every step as its activity type, `done`).
 * @throws what the history call throws (e.g. the server went away); the codec's errors
 *   (`Codec.NoKeys`, `Codec.Tampered`, `Codec.Misplaced`, strict: `Codec.Plaintext`, …).
 */
export async function watchRun(
  client: Client,
  execution: { workflowId: string; runId?: string },
  options: RunWatchOptions,
  on: RunWatchHandlers,
): Promise<RunEnd> {
  const summaries = new Map<string, string>();
  const announced = new Set<string>();
  let actionsSeen = 0;
  // The state query can be ahead of the history page: a refused call of turn N is told
  // only after "model turn N" was, so the story reads in order.
  let modelTurns = 0;
  const held: Array<{ readonly turn: number; readonly tell: () => void }> = [];
  const flush = (all = false): void => {
    while (held.length > 0 && (all || (held[0] as { turn: number }).turn <= modelTurns)) held.shift()?.tell();
  };
  let done = false;
  // Whenever the history stays quiet for `noWorkerAfterMs`, ask whether anybody polls the
  // queue; say so once per such episode (a worker that comes back ends it). Also covers a
  // worker that went away in the middle of a run.
  let told = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (delayMs = options.noWorkerAfterMs): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      workflowPollers(client, options.taskQueue).then(
        (n) => {
          if (done) return;
          if (n === 0 && !told) on.onNoWorker(options.taskQueue);
          told = n === 0;
          arm(Math.max(options.noWorkerAfterMs, RECHECK_MS)); // while quiet, look again now and then
        },
        () => undefined,
      );
    }, delayMs);
  };
  arm();
  const refresh = async (current: { workflowId: string; runId?: string }): Promise<void> => {
    const state = await client.connection
      .withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(current.workflowId, current.runId).query(stateQuery))
      .catch(() => undefined);
    if (!state) return;
    for (const action of state.actions.slice(actionsSeen))
      if (action.decision === 'invalid' && action.auditRecordId === undefined) held.push({ turn: action.turn, tell: () => on.onInvalidCall(action) });
    actionsSeen = Math.max(actionsSeen, state.actions.length);
    for (const p of state.pendingApprovals) {
      if (announced.has(p.requestId)) continue;
      announced.add(p.requestId);
      held.push({ turn: state.turn, tell: () => on.onApprovalPending(p) });
    }
    flush();
  };
  try {
    let current = execution;
    let owner: HistoryOwner = { namespace: client.options.namespace, workflowId: execution.workflowId, scheduled: new Map() };
    let nextPageToken: Uint8Array | undefined;
    for (;;) {
      const page = await client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: current,
        waitNewEvent: true,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
      if ((page.history?.events?.length ?? 0) > 0) arm();
      const history = page.history ? await decodeHistory(page.history, clientCodec(client), owner) : undefined;
      let taskCompleted = false;
      let end: RunEnd | undefined;
      let next: string | undefined;
      for (const event of history?.events ?? []) {
        if (event.workflowTaskCompletedEventAttributes) taskCompleted = true;
        const step = stepOf(event, summaries);
        if (step) {
          on.onStep(step);
          if (step.summary.startsWith('model turn')) modelTurns++;
          flush();
        }
        next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
        if (next) break;
        end = endOf(event);
        if (end) break;
      }
      if (taskCompleted) await refresh(current);
      if (end) {
        flush(true);
        return end;
      }
      if (next) {
        current = { workflowId: execution.workflowId, runId: next };
        owner = { ...owner, scheduled: new Map() };
        nextPageToken = undefined;
        summaries.clear();
      }
    }
  } finally {
    done = true;
    clearTimeout(timer);
  }
}
