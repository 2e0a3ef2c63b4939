/**
 * Dead workspace hosts: a step sent to a workspace-bound task queue that no worker picks
 * up within its schedule-to-start limit fails as `Host.Unavailable` instead of waiting forever.
 */
import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';
import { RunCode } from './failure-codes';

/** Code of a step whose workspace host did not pick it up in time. */
export const HOST_UNAVAILABLE = RunCode.HostUnavailable;

/**
 * When `err` is an activity's schedule-to-start timeout: the `Host.Unavailable` code and a
 * reason saying what to do; otherwise undefined.
 */
export function hostUnavailable(err: unknown, taskQueue: string, limitMs: number): { readonly code: string; readonly reason: string } | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof TimeoutFailure) || err.cause.timeoutType !== 'SCHEDULE_TO_START') return undefined;
  return {
    code: HOST_UNAVAILABLE,
    reason: `no worker picked the step up from workspace queue "${taskQueue}" within ${limitMs} ms: start the workspace host's worker (agent-os worker --workspace-queue ${taskQueue}) and run again`,
  };
}
