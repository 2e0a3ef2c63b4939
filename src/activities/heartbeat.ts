/**
 * Heartbeats while an activity works, so a worker that dies mid-action is noticed within
 * the activity's heartbeat timeout (seconds) instead of its start-to-close timeout
 * (minutes), and cancellation reaches a running activity.
 */
import { Context } from '@temporalio/activity';

/** How often a running activity heartbeats (the SDK throttles to its heartbeat timeout). */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * How often `executeAction` heartbeats. Cancellation reaches an activity only in the answer
 * to a heartbeat, so a cancelled `proc.exec` is killed within about this interval plus the
 * worker's heartbeat throttle ({@link ACTION_HEARTBEAT_THROTTLE}).
 */
export const ACTION_HEARTBEAT_INTERVAL_MS = 250;

/**
 * The worker option `maxHeartbeatThrottleInterval` that lets `executeAction`'s heartbeats
 * (and so a cancellation) through within a second: the SDK otherwise sends at most one
 * heartbeat per 80 % of the heartbeat timeout (8 s for the runs' 10 s timeout). Set it on
 * every worker that runs these activities: `Worker.create({ ...WORKER_HEARTBEAT_OPTIONS, … })`.
 */
export const ACTION_HEARTBEAT_THROTTLE = '500 milliseconds';

/** Worker options the activities need (see {@link ACTION_HEARTBEAT_THROTTLE}). */
export const WORKER_HEARTBEAT_OPTIONS = { maxHeartbeatThrottleInterval: ACTION_HEARTBEAT_THROTTLE } as const;

/**
 * Awaits `work`, heartbeating every `intervalMs` (default {@link HEARTBEAT_INTERVAL_MS}) until it settles.
 *
 * The first heartbeat goes out after one interval, not at the start: the server counts the
 * heartbeat timeout from the activity's start, so one at the start tells it nothing, yet
 * every heartbeat is a call to the server and a write of the run's state there — two per tool
 * call (the model turn and the execution), most of which finish before their first interval
 * (docs/performance.md, "Temporal throughput"). Cancellation still arrives with the first
 * heartbeat, within one interval (plus the worker's throttle) of the start.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>, intervalMs: number = HEARTBEAT_INTERVAL_MS): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
