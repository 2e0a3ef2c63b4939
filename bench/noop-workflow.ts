/**
 * Bench-only workflow, the baseline of bench/activity.ts and bench/load.ts: `steps` sequential
 * no-op activities ('bare'); or per step the shape of one agent tool call without its work —
 * an activity (the model turn), a local activity (the decision) and an activity (the
 * execution) — ('agent'); or a whole agent run's shape: a local activity first (the worker's
 * self-description), `steps` agent-shaped steps, and a last activity (the model's answer)
 * ('run'). Runs in the workflow sandbox; imports nothing else; never part of the package's
 * workflows bundle (the benches bundle this file on its own).
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
export async function noopSteps(steps: number, shape: 'bare' | 'agent' | 'run'): Promise<number> {
  let sum = shape === 'run' ? await noopLocal(-1) : 0;
  for (let i = 0; i < steps; i++) {
    if (shape !== 'bare') {
      sum += await noop(i);
      sum += await noopLocal(i);
    }
    sum += await noop(i);
  }
  if (shape === 'run') sum += await noop(steps);
  return sum;
}
