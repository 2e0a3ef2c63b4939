/**
 * One tool call of a run: map → decide (recorded in history) → approval if asked →
 * register the compensation → execute (its summary shows the decision) → settle.
 */
import type { KernelDecision } from '../kernel/decide';
import type { DecidedBefore } from '../kernel/types';
import type { ToolCall } from '../model/types';
import { decideLocal, decideRemote, executeAction } from './activities';
import type { Approvals } from './approvals';
import { BudgetFailure, bytesToWriteInRun, exceeded, type EffectiveBudgets } from './budgets';
import type { Saga } from './saga';
import { mapToolCall, summaryTarget, type ToolDefSpec } from './tool-defs';
import { capText } from './transcript';
import type { ActionSummary, Usage } from './types';
import type { RunFeatures } from './agent-run';
import type { RunHistoryState } from './run-history-state';

/** What a tool step needs from its run. */
export interface StepContext {
  readonly tools: readonly ToolDefSpec[];
  readonly saga: Saga;
  readonly approvals: Approvals;
  readonly usage: Usage;
  readonly budgets: EffectiveBudgets;
  readonly reversible: ReadonlySet<string>;
  readonly maxChars: number;
  readonly approvalTimeoutMs: number;
  readonly runPolicy?: string;
  /**
   * The run policy's `sha256:…` reference from `workerInfo` (runs from 0.3.0 on): what the
   * steps recorded in history carry instead of its text (src/activities/run-policy-ref.ts).
   */
  readonly runPolicyRef?: string;
  readonly workspaceQueue?: string;
  /** A fresh idempotency key: workflow id / run id / sequence. */
  nextKey(): string;
  /** What this run does differently from runs of older workflow code. */
  readonly features: RunFeatures;
  /** A fresh approval id from the workflow's own sequence (`approval-N`). */
  nextApprovalId(): string;
  /** Schedule-to-start limit of steps on the workspace queue (runs from 0.2.0 on). */
  readonly workspaceStartTimeoutMs?: number;
  /** The run state of history-aware policy rules. */
  readonly runHistory?: RunHistoryState;
}

/** The step's outcome: the summary for the run's result and the message for the model. */
export interface StepResult {
  readonly action: ActionSummary;
  readonly content: string;
}

/** The tool message the model reads. */
export const answer = (body: Record<string, unknown>, maxChars: number): string => capText(JSON.stringify(body), maxChars + 1_000);

/** Runs one tool call to completion. Throws only for exceeded budgets and cancellation. */
export async function runToolStep(ctx: StepContext, call: ToolCall, turn: number): Promise<StepResult> {
  const mapped = mapToolCall(ctx.tools, call);
  if (!mapped.ok) {
    return {
      action: { turn, tool: call.name, decision: 'invalid', status: 'ERROR', reason: mapped.error },
      content: answer({ status: 'ERROR', error: mapped.error }, ctx.maxChars),
    };
  }
  const { request } = mapped;
  ctx.usage.toolCalls++;
  if (ctx.usage.toolCalls > ctx.budgets.maxToolCalls) {
    exceeded(BudgetFailure.MaxToolCalls, `tool call ${ctx.usage.toolCalls} exceeds the budget of ${ctx.budgets.maxToolCalls}`);
  }
  const bound = ctx.workspaceQueue !== undefined && /^(fs|proc)\./.test(request.action) ? ctx.workspaceQueue : undefined;
  const runPolicy = ctx.runPolicy === undefined ? {} : { runPolicy: ctx.runPolicy };
  // Runs of older code still keep the run state of history-aware rules (a ceiling may gain them while they run).
  const history = ctx.runHistory?.input() ?? {};
  const decideInput = [{ request, schema: mapped.tool.parameters, args: mapped.args, ...runPolicy, ...history }] as const;
  const summary = `decide ${request.action} ${summaryTarget(request.target)}`;
  const decision: KernelDecision = bound
    ? await decideRemote.executeWithOptions({ summary, taskQueue: bound }, [...decideInput])
    : await decideLocal.executeWithOptions({ summary }, [...decideInput]);
  const base = { turn, tool: call.name, action: request.action, target: request.target };
  if (decision.effect === 'invalid') {
    return {
      action: { ...base, decision: 'invalid', status: 'ERROR', reason: decision.reason },
      content: answer({ status: 'ERROR', error: decision.reason }, ctx.maxChars),
    };
  }

  let approval: { approver: string; reason?: string } | undefined;
  let refusal: string | undefined;
  if (decision.effect === 'ask') {
    const outcome = await ctx.approvals.request(
      {
        requestId: `${call.id}`,
        action: request.action,
        target: request.target,
        reason: decision.reason,
        ...(decision.ruleId ? { ruleId: decision.ruleId } : {}),
      },
      ctx.approvalTimeoutMs,
    );
    if (outcome.allow) approval = { approver: outcome.approver ?? 'unknown', ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}) };
    else
      refusal = outcome.timedOut
        ? `approval timed out (${outcome.reason})`
        : `approval refused by ${outcome.approver ?? 'unknown'}${outcome.reason ? `: ${outcome.reason}` : ''}`;
  }

  const willRun = decision.effect === 'allow' || approval !== undefined;
  if (willRun && request.action === 'fs.write') {
    const bytes = bytesToWriteInRun(request.params);
    if (ctx.usage.bytesWritten + bytes > ctx.budgets.maxBytesWritten) {
      exceeded(
        BudgetFailure.MaxBytesWritten,
        `writing ${bytes} more bytes would exceed the budget of ${ctx.budgets.maxBytesWritten} (${ctx.usage.bytesWritten} written)`,
      );
    }
    ctx.usage.bytesWritten += bytes;
  }
  const key = ctx.nextKey();
  const compensation = willRun && ctx.reversible.has(request.action) ? ctx.saga.register(key, request.action, request.target) : undefined;
  const label = describeDecision(decision, approval, refusal);
  // Denied and refused actions also go through the kernel: it records them in its audit
  // log and never reaches the provider; the summary makes the decision visible in the UI.
  const outcome = await executeAction.executeWithOptions(
    { summary: `${request.action} ${summaryTarget(request.target)} → ${label}`, ...(bound ? { taskQueue: bound } : {}) },
    [{ request, idempotencyKey: key, maxChars: ctx.maxChars, ...runPolicy, ...(approval ? { approval } : {}), ...history, decided: decidedBefore(decision) }],
  );
  if (compensation) ctx.saga.settle(compensation, outcome.status, outcome.recordId);
  ctx.runHistory?.apply(outcome.history);
  const reason = refusal ?? outcome.reason ?? decision.reason;
  return {
    action: {
      ...base,
      decision: decision.effect,
      status: outcome.status,
      idempotencyKey: key,
      ...(outcome.recordId !== undefined && compensation ? { recordId: outcome.recordId } : {}),
      ...((outcome.ruleId ?? decision.ruleId) !== undefined ? { ruleId: (outcome.ruleId ?? decision.ruleId)! } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(approval ? { approver: approval.approver } : {}),
    },
    content: answer({ status: outcome.status, data: outcome.data, error: outcome.error, reason }, ctx.maxChars),
  };
}

/**
 * What the kernel must find again at use time for the request to run: the recorded effect and
 * the canonical target it judged (the one a person approved). `invalid` never reaches here.
 */
export function decidedBefore(decision: KernelDecision): DecidedBefore {
  const effect = decision.effect === 'allow' || decision.effect === 'ask' ? decision.effect : 'deny';
  // An ask's judged params (what the person approved) ride along when the decide gave them: an
  // input field only, no command changes; decisions recorded before it have none.
  const paramsHash = effect === 'ask' && typeof decision.paramsHash === 'string' ? { paramsHash: decision.paramsHash } : {};
  return { effect, ...(decision.target !== undefined ? { target: decision.target } : {}), ...paramsHash };
}

function describeDecision(decision: KernelDecision, approval: { approver: string } | undefined, refusal: string | undefined): string {
  const rule = decision.ruleId ?? 'no capability';
  if (decision.effect === 'allow') return `allow (${rule})`;
  if (decision.effect === 'ask') return approval ? `allow (${rule}, approved by ${approval.approver})` : `DENIED (${rule}, ${refusal ?? 'not approved'})`;
  return `DENIED (${rule})`;
}
