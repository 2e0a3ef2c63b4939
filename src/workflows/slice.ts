/**
 * The walking skeleton's workflow: one `fs.read` decided and executed by an activity.
 * Deterministic sandbox code: imports activities as types only.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SliceActivities, SliceReadResult } from '../activities/slice';

const { sliceRead } = proxyActivities<SliceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Reads one file through the slice activity and returns its result unchanged. */
export async function readFileSlice(target: string): Promise<SliceReadResult> {
  return sliceRead(target);
}
