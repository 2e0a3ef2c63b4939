/**
 * Calls a run never ran because it stopped first (Patch.RecordUnrunCalls): the rest of a model
 * turn after a call that stopped the run (a budget, a cancellation, the deadline, a failure),
 * or every call of a reply that went over the token budget. Each gets its one kernel record
 * (`DENIED Run.Stopped`, without params: nothing was decided or run) before the run ends, in
 * batches of `recordRefusals` steps on the run's own worker (a turn may hold thousands of calls).
 */
import { ApplicationFailure, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { ActionRequest } from '../kernel/types';
import type { ToolCall } from '../model/types';
import type { RefusalInput } from '../activities/tool';
import { recordRefusals } from './activities';
import { RunCode } from './failure-codes';
import { Patch } from './patches';
import { describeFailure } from './saga';
import { UNKNOWN_TOOL_ACTION, mapToolCall, summaryTarget, toolNameOf } from './tool-defs';
import type { StepContext } from './tool-step';

/** Most calls per `recordRefusals` step, and most characters of their targets and reasons. */
const BATCH_CALLS = 200;
const BATCH_CHARS = 256 * 1024;
/** Longest description of what stopped the run in each record's reason. */
const MAX_CAUSE_LENGTH = 500;
/** Longest target recorded whole (the kernel's own limit; a longer one is cut with `…`, as the kernel cuts it). */
const MAX_TARGET_LENGTH = 4096;

/**
 * The request a call names, for a record when it cannot be judged: the mapped action and target
 * (cut like the kernel cuts a raw target; never its params), or `tool.unknown` / `tool:<name>` for an unknown tool.
 */
export function unjudgedRequest(ctx: StepContext, call: ToolCall): ActionRequest {
  const mapped = mapToolCall(ctx.tools, call);
  if (mapped.ok) {
    const { action, target } = mapped.request;
    return { action, target: target.length > MAX_TARGET_LENGTH ? `${target.slice(0, MAX_TARGET_LENGTH)}…` : target, params: {} };
  }
  return { action: mapped.tool?.action ?? UNKNOWN_TOOL_ACTION, target: `tool:${toolNameOf(call.name)}`, params: {} };
}

/** Why the run stopped, for the reason of a call it never ran. */
export function stopCause(err: unknown): string {
  const type = err instanceof ApplicationFailure && err.type ? `${err.type}: ` : '';
  const text = isCancellation(err) ? 'the run was cancelled or its deadline passed' : err instanceof Error ? `${type}${describeFailure(err)}` : String(err);
  return text.length > MAX_CAUSE_LENGTH ? `${text.slice(0, MAX_CAUSE_LENGTH)}…` : text;
}

/**
 * Records each of `calls` (counted in `usage.toolCalls`, each with its own idempotency key) as
 * not run because of `cause`, then returns; the caller rethrows `cause`. Nothing for runs that
 * did not take this path before (no marker, no step: their histories replay as they were).
 */
export async function recordUnrunCalls(ctx: StepContext, calls: readonly ToolCall[], cause: unknown): Promise<void> {
  if (calls.length === 0 || !patched(Patch.RecordUnrunCalls)) return;
  const reason = `not run: the run stopped before this call (${stopCause(cause)})`;
  const refusals: RefusalInput[] = calls.map((call) => {
    ctx.usage.toolCalls++;
    return { request: unjudgedRequest(ctx, call), idempotencyKey: ctx.nextKey(), status: 'DENIED', code: RunCode.Stopped, reason };
  });
  await CancellationScope.nonCancellable(async () => {
    for (const batch of batches(refusals)) {
      const first = batch[0]!.request;
      const summary = `${batch.length === 1 ? `${first.action} ${summaryTarget(first.target)}` : `${batch.length} calls not run`} → DENIED (${RunCode.Stopped})`;
      await recordRefusals.executeWithOptions({ summary }, [batch]);
    }
  });
}

/** Consecutive batches of at most {@link BATCH_CALLS} refusals and about {@link BATCH_CHARS} characters. */
function batches(refusals: readonly RefusalInput[]): RefusalInput[][] {
  const out: RefusalInput[][] = [];
  let batch: RefusalInput[] = [];
  let chars = 0;
  for (const r of refusals) {
    const size = r.request.action.length + r.request.target.length + r.reason.length + r.idempotencyKey.length + 100;
    if (batch.length > 0 && (batch.length >= BATCH_CALLS || chars + size > BATCH_CHARS)) {
      out.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(r);
    chars += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
