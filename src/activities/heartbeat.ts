/**
 * Heartbeats while an activity works, so a worker that dies mid-action is noticed within
 * the activity's heartbeat timeout (seconds) instead of its start-to-close timeout
 * (minutes), and cancellation reaches a running activity.
 */
import { Context } from '@temporalio/activity';

/** How often a running activity heartbeats (the SDK throttles to its heartbeat timeout). */
export const HEARTBEAT_INTERVAL_MS = 2_000;

/** Awaits `work`, heartbeating every {@link HEARTBEAT_INTERVAL_MS} until it settles. */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
