/**
 * Bench-only workflow, the baseline of bench/activity.ts: `steps` sequential no-op
 * activities ('bare'), or per step the shape of one agent tool call without its work — an
 * activity (the model turn), a local activity (the decision) and an activity (the
 * execution) — ('agent'). Runs in the workflow sandbox; imports nothing else.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

/** The baseline's activities. */
export interface NoopActivities {
  /** Returns its input; does nothing else. */
  noop(i: number): Promise<number>;
}

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });
const { noop: noopLocal } = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

/** Runs `steps` no-op steps of the given shape; returns a checksum so nothing is optimised away. */
export async function noopSteps(steps: number, shape: 'bare' | 'agent'): Promise<number> {
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    if (shape === 'agent') {
      sum += await noop(i);
      sum += await noopLocal(i);
    }
    sum += await noop(i);
  }
  return sum;
}
