/**
 * One tool call of a run from 0.2.0 on (Patch.AuditEveryToolCall): every call — allowed,
 * denied by the policy or by a provider while deciding, refused by a person, to an
 * unknown tool, with unparsable or schema-invalid arguments, over a budget, or stranded
 * by a dead workspace host — ends in exactly one kernel audit record and one activity
 * step whose summary says what happened, and is counted once in `usage.toolCalls`.
 *
 * Calls the kernel's gate judges go through `executeAction` (`Kernel.submit` decides again
 * at use time and records). Calls refused before the gate go through `recordRefusal`,
 * which asks the kernel to write the record without deciding or running anything: the
 * kernel stays the only writer of the audit log, and the refusal is a visible step.
 */
import { ActivityFailure, CancelledFailure, PayloadConverterError, ValueError } from '@temporalio/common';
import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { KernelDecision } from '../kernel/decide';
import type { ActionRequest } from '../kernel/types';
import type { ToolCall } from '../model/types';
import { decideLocal, decideRemote, executeAction, recordRefusal } from './activities';
import { paramsPreview } from './approvals';
import { BudgetFailure, bytesToWriteInRun, exceeded } from './budgets';
import { hostUnavailable } from './host';
import { Patch } from './patches';
import { RunCode } from './failure-codes';
import { stopCause } from './unrun-calls';
import { MappingCode, UNKNOWN_TOOL_ACTION, mapToolCall, summaryTarget, toolNameOf } from './tool-defs';
import { answer, decidedBefore, type StepContext, type StepResult } from './tool-step';
import type { ActionSummary } from './types';

/** Codes of approvals that did not allow the action. */
export const ApprovalCode = {
  Refused: 'Kernel.ApprovalRefused',
  TimedOut: 'Kernel.ApprovalTimedOut',
  /** The run was cancelled (or its deadline passed) while the approval was pending. */
  Cancelled: 'Kernel.ApprovalCancelled',
} as const;

interface Refusal {
  readonly request: ActionRequest;
  readonly key: string;
  readonly status: 'DENIED' | 'ERROR' | 'UNKNOWN';
  readonly code: string;
  readonly reason: string;
  readonly bound?: string;
  readonly approval?: { readonly approver?: string; readonly updateId?: string };
}

/** Runs one tool call to completion. Throws only for exceeded budgets and cancellation. */
export async function runAuditedToolStep(ctx: StepContext, call: ToolCall, turn: number): Promise<StepResult> {
  ctx.usage.toolCalls++;
  const key = ctx.nextKey();
  const mapped = mapToolCall(ctx.tools, call);
  const request: ActionRequest = mapped.ok
    ? mapped.request
    : { action: mapped.tool?.action ?? UNKNOWN_TOOL_ACTION, target: `tool:${toolNameOf(call.name)}`, params: {} };
  const bound = ctx.workspaceQueue !== undefined && /^(fs|proc)\./.test(request.action) ? ctx.workspaceQueue : undefined;
  const base = {
    turn,
    tool: toolNameOf(call.name),
    idempotencyKey: key,
    ...(mapped.ok || mapped.tool ? { action: request.action } : {}),
    ...(mapped.ok ? { target: request.target } : {}),
  };

  if (ctx.usage.toolCalls > ctx.budgets.maxToolCalls) {
    const message = `tool call ${ctx.usage.toolCalls} exceeds the budget of ${ctx.budgets.maxToolCalls}`;
    await refuse(ctx, { request, key, status: 'DENIED', code: BudgetFailure.MaxToolCalls, reason: message, ...(mapped.ok && bound ? { bound } : {}) });
    exceeded(BudgetFailure.MaxToolCalls, message);
  }
  if (!mapped.ok) {
    const out = await refuse(ctx, { request, key, status: 'ERROR', code: mapped.code, reason: mapped.error });
    return finish({ ...base, decision: 'invalid', ...out }, { status: 'ERROR', error: mapped.error }, ctx);
  }

  const runPolicy = ctx.runPolicy === undefined ? {} : { runPolicy: ctx.runPolicy };
  // Recorded inputs (activities) carry the policy's reference once the worker gave one; the
  // local decide's input is not recorded and keeps the text (it also warms this worker's views).
  const recordedPolicy = ctx.runPolicyRef === undefined ? runPolicy : { runPolicy: ctx.runPolicyRef };
  const history = ctx.runHistory?.input() ?? {};
  const decideInput = [{ request, schema: mapped.tool.parameters, args: mapped.args, ...runPolicy, ...history }] as const;
  const summary = `decide ${request.action} ${summaryTarget(request.target)}`;
  let decision: KernelDecision;
  try {
    decision = bound
      ? await decideRemote.executeWithOptions({ summary, taskQueue: bound, ...startLimit(ctx) }, [{ ...decideInput[0], ...recordedPolicy }])
      : await decideLocal.executeWithOptions({ summary }, [...decideInput]);
  } catch (err) {
    if (unrecordable(err)) {
      // The arguments cannot even be put into history (nested too deeply for JSON.stringify):
      // before, the workflow task failed here again and again, the call had no record and the
      // run was wedged. Recorded without its params (they cannot be), and the run goes on.
      const reason = `arguments of ${mapped.tool.name} cannot be recorded (nested too deeply or not serialisable as JSON)`;
      const out = await refuse(ctx, {
        request: { action: request.action, target: request.target, params: {} },
        key,
        status: 'ERROR',
        code: MappingCode.InvalidArguments,
        reason,
      });
      return finish({ ...base, decision: 'invalid', ...out }, { status: 'ERROR', error: reason }, ctx);
    }
    const host = bound ? hostUnavailable(err, bound, ctx.workspaceStartTimeoutMs ?? 0) : undefined;
    if (host === undefined) {
      await recordUndecided(ctx, request, key, err);
      throw err;
    }
    const out = await refuse(ctx, { request, key, status: 'ERROR', ...host });
    return finish({ ...base, decision: 'invalid', ...out }, { status: 'ERROR', error: host.reason }, ctx);
  }

  if (decision.effect === 'invalid') {
    // Schema-invalid arguments are the model's error; anything else the gate could not
    // judge (a provider refusing the target, e.g. Fs.Escape; no provider) is denied, as
    // `Kernel.submit` of the same request would be.
    const schema = decision.code === 'Tool.InvalidArguments';
    const status = schema ? 'ERROR' : 'DENIED';
    const out = await refuse(ctx, { request, key, status, code: decision.code ?? 'Kernel.DecideFailed', reason: decision.reason, ...(bound ? { bound } : {}) });
    return finish(
      { ...base, decision: 'invalid', ...out },
      schema ? { status, error: decision.reason } : { status, error: 'not permitted', reason: decision.reason },
      ctx,
    );
  }

  let approval: { approver: string; reason?: string; updateId?: string } | undefined;
  let approvalId: string | undefined;
  if (decision.effect === 'ask') {
    approvalId = ctx.features.workflowApprovalIds ? ctx.nextApprovalId() : call.id;
    let outcome;
    try {
      outcome = await ctx.approvals.request(
        {
          requestId: approvalId,
          toolCallId: call.id,
          action: request.action,
          target: request.target,
          reason: decision.reason,
          ...(decision.ruleId ? { ruleId: decision.ruleId } : {}),
          // What the person approves besides the target (no command: the query's shape only).
          ...withParams(request),
        },
        ctx.approvalTimeoutMs,
      );
    } catch (err) {
      // The run is cancelled (or its deadline passed) while a person has not answered: the call
      // is refused and recorded like any other before the cancellation goes on.
      if (isCancellation(err) && patched(Patch.RecordCancelledApprovals)) {
        const reason = 'the run was cancelled (or its deadline passed) while the approval was pending';
        await CancellationScope.nonCancellable(() =>
          refuse(ctx, { request, key, status: 'DENIED', code: ApprovalCode.Cancelled, reason, ...(bound ? { bound } : {}) }),
        );
      }
      throw err;
    }
    if (!outcome.allow) {
      const reason = outcome.timedOut
        ? `approval timed out (${outcome.reason})`
        : `approval refused by ${outcome.approver ?? 'unknown'}${outcome.reason ? `: ${outcome.reason}` : ''}`;
      const who = {
        ...(outcome.approver !== undefined ? { approver: outcome.approver } : {}),
        ...(outcome.updateId !== undefined ? { updateId: outcome.updateId } : {}),
      };
      const out = await refuse(ctx, {
        request,
        key,
        status: 'DENIED',
        code: outcome.timedOut ? ApprovalCode.TimedOut : ApprovalCode.Refused,
        reason,
        ...(bound ? { bound } : {}),
        ...(outcome.timedOut ? {} : { approval: who }),
      });
      return finish(
        {
          ...base,
          decision: 'ask',
          approvalId,
          ...out,
          ...(decision.ruleId ? { ruleId: decision.ruleId } : {}),
          ...(outcome.approver !== undefined ? { approver: outcome.approver } : {}),
        },
        { status: 'DENIED', error: 'not permitted', reason },
        ctx,
      );
    }
    approval = {
      approver: outcome.approver ?? 'unknown',
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      ...(outcome.updateId !== undefined ? { updateId: outcome.updateId } : {}),
    };
  }

  const willRun = decision.effect === 'allow' || approval !== undefined;
  if (willRun && request.action === 'fs.write') {
    const bytes = bytesToWriteInRun(request.params);
    if (ctx.usage.bytesWritten + bytes > ctx.budgets.maxBytesWritten) {
      const message = `writing ${bytes} more bytes would exceed the budget of ${ctx.budgets.maxBytesWritten} (${ctx.usage.bytesWritten} written)`;
      await refuse(ctx, { request, key, status: 'DENIED', code: BudgetFailure.MaxBytesWritten, reason: message, ...(bound ? { bound } : {}) });
      exceeded(BudgetFailure.MaxBytesWritten, message);
    }
    ctx.usage.bytesWritten += bytes;
  }
  const compensation = willRun && ctx.reversible.has(request.action) ? ctx.saga.register(key, request.action, request.target) : undefined;
  const rule = decision.ruleId ?? decision.code ?? 'no capability';
  const label = decision.effect === 'allow' ? `allow (${rule})` : approval ? `allow (${rule}, approved by ${approval.approver})` : `DENIED (${rule})`;
  let outcome;
  try {
    // Denied actions also go through the kernel: it records them and never reaches the provider.
    outcome = await executeAction.executeWithOptions(
      { summary: `${request.action} ${summaryTarget(request.target)} → ${label}`, ...(bound ? { taskQueue: bound, ...startLimit(ctx) } : {}) },
      [
        {
          request,
          idempotencyKey: key,
          maxChars: ctx.maxChars,
          ...recordedPolicy,
          ...(approval ? { approval } : {}),
          ...history,
          decided: decidedBefore(decision),
        },
      ],
    );
  } catch (err) {
    const host = bound ? hostUnavailable(err, bound, ctx.workspaceStartTimeoutMs ?? 0) : undefined;
    if (host === undefined) {
      if (neverStarted(err) && patched(Patch.RecordUnstartedCalls)) {
        // The server says the same of a step between two attempts: an earlier attempt may have run
        // the call (and been recorded), so it is recorded as unknown, never as not run.
        const reason = `outcome unknown: the run stopped while no attempt of this call was running (${stopCause(err)}); an earlier attempt may have run it`;
        await CancellationScope.nonCancellable(() => refuse(ctx, { request, key, status: 'UNKNOWN', code: RunCode.Stopped, reason })).catch(() => undefined);
      }
      throw err;
    }
    // The compensation stays registered: an earlier attempt may have applied the action.
    const out = await refuse(ctx, { request, key, status: 'ERROR', ...host });
    return finish({ ...base, decision: decision.effect, ...out, ...(approvalId ? { approvalId } : {}) }, { status: 'ERROR', error: host.reason }, ctx);
  }
  if (compensation) ctx.saga.settle(compensation, outcome.status, outcome.recordId);
  ctx.runHistory?.apply(outcome.history);
  const reason = outcome.reason ?? decision.reason;
  const ruleId = outcome.ruleId ?? decision.ruleId;
  return finish(
    {
      ...base,
      decision: decision.effect,
      status: outcome.status,
      ...(outcome.code !== undefined ? { code: outcome.code } : {}),
      ...(outcome.auditRecordId !== undefined ? { auditRecordId: outcome.auditRecordId } : {}),
      ...(outcome.recordId !== undefined && compensation ? { recordId: outcome.recordId } : {}),
      ...(ruleId !== undefined ? { ruleId } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(approval ? { approver: approval.approver } : {}),
      ...(approvalId ? { approvalId } : {}),
    },
    { status: outcome.status, data: outcome.data, error: outcome.error, reason },
    ctx,
  );
}

/**
 * The one record of a call whose decision ended the run instead: its run was cancelled (or its
 * deadline passed) while it was decided (`DENIED Run.Stopped`, Patch.RecordUnrunCalls), or its
 * `decideAction` failed for good — after its retries, or not retryable (`ERROR
 * Kernel.DecideFailed`, Patch.RecordFailedDecides). Written by the kernel of the run's own
 * worker (a workspace host whose decide failed may not record either), never cancelled; a
 * failure to record leaves the original failure to end the run (the failed step is in history).
 * The workflow, not the activity, records it: only Temporal knows a failure is final (also a
 * timeout, a worker lost mid-attempt, an input the worker cannot decode), and one step after
 * the last attempt cannot be written twice by attempts of the decide.
 */
async function recordUndecided(ctx: StepContext, request: ActionRequest, key: string, err: unknown): Promise<void> {
  const refusal: Refusal | undefined = isCancellation(err)
    ? patched(Patch.RecordUnrunCalls)
      ? { request, key, status: 'DENIED', code: RunCode.Stopped, reason: `not run: the run stopped before this call was decided (${stopCause(err)})` }
      : undefined
    : patched(Patch.RecordFailedDecides)
      ? { request, key, status: 'ERROR', code: 'Kernel.DecideFailed', reason: `the call could not be decided: ${stopCause(err)}` }
      : undefined;
  if (refusal === undefined) return;
  await CancellationScope.nonCancellable(() => refuse(ctx, refusal)).catch(() => undefined);
}

/**
 * The detail the Temporal server gives the cancellation of an activity no worker had started
 * (its `ActivityTaskCanceled` event). An `executeAction` cancelled while it ran carries its
 * kernel's answer instead (the kernel recorded the call then). The server gives it too for a
 * step waiting for its next attempt (a retry): the workflow cannot tell the two apart.
 */
const ACTIVITY_NOT_STARTED = 'ACTIVITY_ID_NOT_STARTED';

/** True when an `executeAction` step was cancelled before any worker ran it: its kernel never saw the call. */
function neverStarted(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof CancelledFailure && err.cause.details[0] === ACTIVITY_NOT_STARTED;
}

/**
 * True when scheduling failed because the step's input cannot be converted to a payload (the
 * SDK's `ValueError`; a converter misconfiguration, `PayloadConverterError`, is not that).
 * Deterministic for a given input: it happens before any command is issued.
 */
function unrecordable(err: unknown): boolean {
  return err instanceof ValueError && !(err instanceof PayloadConverterError);
}

function withParams(request: ActionRequest): { params?: string } {
  const params = paramsPreview(request.params);
  return params === undefined ? {} : { params };
}

function startLimit(ctx: StepContext): { scheduleToStartTimeout?: number } {
  return ctx.workspaceStartTimeoutMs !== undefined ? { scheduleToStartTimeout: ctx.workspaceStartTimeoutMs } : {};
}

function finish(action: ActionSummary, body: Record<string, unknown>, ctx: StepContext): StepResult {
  return { action, content: answer(body, ctx.maxChars) };
}

/**
 * Has the kernel record a refusal (on the workspace host when the request is bound to it,
 * else on the run's own worker — also when the host is gone) as one visible step.
 */
async function refuse(ctx: StepContext, r: Refusal): Promise<{ status: string; code: string; reason: string; auditRecordId?: string }> {
  const input = [
    { request: r.request, idempotencyKey: r.key, status: r.status, code: r.code, reason: r.reason, ...(r.approval ? { approval: r.approval } : {}) },
  ] as const;
  const summary = `${r.request.action} ${summaryTarget(r.request.target)} → ${r.status} (${r.code})`;
  const record = () => recordRefusal.executeWithOptions({ summary, ...(r.bound ? { taskQueue: r.bound, ...startLimit(ctx) } : {}) }, [...input]);
  let out;
  try {
    // Not cancelled with the run (Patch.RecordRefusalsWhenCancelled): the record is written, then the cancellation goes on.
    out = patched(Patch.RecordRefusalsWhenCancelled) ? await CancellationScope.nonCancellable(record) : await record();
  } catch (err) {
    const host = r.bound ? hostUnavailable(err, r.bound, ctx.workspaceStartTimeoutMs ?? 0) : undefined;
    if (host === undefined) throw err;
    const { bound: _gone, ...local } = r;
    return refuse(ctx, { ...local, code: host.code, reason: `${r.reason}; ${host.reason}`, status: 'ERROR' });
  }
  return { status: out.status, code: r.code, reason: r.reason, ...(out.auditRecordId !== undefined ? { auditRecordId: out.auditRecordId } : {}) };
}
