/**
 * The tool activities: decide (a dry run of the kernel, recorded in history) and execute
 * (`Kernel.submit`, which decides again at use time on the canonical target).
 */
import { CancelledFailure, Context } from '@temporalio/activity';
import type { Kernel } from '../kernel/kernel';
import type { KernelDecision } from '../kernel/decide';
import type { ActionRequest, ActionResult, DecidedBefore } from '../kernel/types';
import type { RunHistory } from '../kernel/run-history';
import { RunPolicyViews } from './run-policy';
import { ACTION_HEARTBEAT_INTERVAL_MS, whileHeartbeating } from './heartbeat';
import { checkArguments } from './schema-check';
import { ActivityCode } from './error-codes';
import { updateCallerIdentity } from './update-identity';

/** Input of {@link ToolActivities.decideAction}. */
export interface DecideInput {
  readonly request: ActionRequest;
  /** The tool's JSON schema and the model's arguments, checked before deciding. */
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly args?: Readonly<Record<string, unknown>>;
  /**
   * The run's own policy, which narrows the worker's ceiling: YAML text, or (steps on a
   * workspace queue, runs from 0.3.0 on) its `sha256:…` reference (run-policy-ref.ts).
   */
  readonly runPolicy?: string;
  /** The run's state for history-aware rules (absent: nothing recorded yet). */
  readonly history?: RunHistory;
}

/** Input of {@link ToolActivities.executeAction}. */
export interface ExecuteInput {
  readonly request: ActionRequest;
  readonly idempotencyKey: string;
  /**
   * The person's approval of an `ask`. With `updateId` (runs from 0.2.0 on) the activity
   * looks up, in the run's history, the identity Temporal recorded for that update's caller
   * and records it beside the typed-in `approver`.
   */
  readonly approval?: { readonly approver: string; readonly reason?: string; readonly updateId?: string };
  /**
   * The run's own policy, which narrows the worker's ceiling: YAML text (runs of older
   * releases) or, from 0.3.0 on, its `sha256:…` reference — the text travels once, in the
   * run's start input, where the activity finds it (run-policy-ref.ts, run-policy-lookup.ts).
   */
  readonly runPolicy?: string;
  /** Cap, in characters, of the textual result entering history (default 16,000). */
  readonly maxChars?: number;
  /**
   * The run's state for history-aware rules (absent: nothing recorded yet). What the action
   * adds comes back in the outcome's `history`, for the workflow to fold in.
   */
  readonly history?: RunHistory;
  /**
   * What the run's `decideAction` decided (and recorded, and a person approved for an `ask`):
   * the kernel refuses to run the request when its decision at use time is about another
   * canonical target, or was `deny` (`SubmitOptions.decided`, `Kernel.DecisionChanged`).
   */
  readonly decided?: DecidedBefore;
}

/** Input of {@link ToolActivities.recordRefusal}: a tool call refused before the kernel's gate. */
export interface RefusalInput {
  /** The request as far as it could be built (`tool.unknown` / `tool:<name>` for an unknown tool). */
  readonly request: ActionRequest;
  readonly idempotencyKey: string;
  /**
   * `UNKNOWN`: a call the run stopped between attempts of its step, which an earlier attempt may
   * have run — recorded with `Kernel.recordUnknown` (code `Kernel.OutcomeUnknown`), never as not run.
   */
  readonly status: 'DENIED' | 'ERROR' | 'UNKNOWN';
  /** Stable dotted code, e.g. `Tool.UnknownTool`, `Fs.Escape`, `Budget.MaxToolCalls`, `Host.Unavailable`. */
  readonly code: string;
  readonly reason: string;
  /** For a refused approval: the typed-in name and the update that refused. */
  readonly approval?: { readonly approver?: string; readonly updateId?: string };
}

/** A kernel result, capped for history. */
export interface ToolOutcome extends ActionResult {
  /** True when `data` was cut to fit the cap. */
  readonly capped?: boolean;
}

/** Something that executes requests (the kernel, or the reversible layer in front of it). */
export interface Executor {
  submit(
    request: ActionRequest,
    options: { idempotencyKey: string; approval?: { approver: string; reason?: string }; history?: RunHistory; decided?: DecidedBefore },
  ): Promise<ActionResult>;
  /**
   * The same executor over a narrowed view of the kernel (a run with its own policy). An
   * executor other than the kernel itself must offer this, or runs with a policy fail closed.
   */
  forKernel?(kernel: Kernel): Executor;
}

/**
 * Actions that cannot be made idempotent: a retry after an unknown outcome must not run them
 * again. `mcp.call` is at-most-once unless `isIdempotent` (the operator's declaration, e.g.
 * `McpProvider.isIdempotent`) says otherwise; servers' own `idempotentHint`s are not trusted.
 */
export function isAtMostOnce(request: ActionRequest, isIdempotent?: (request: ActionRequest) => boolean): boolean {
  if (request.action === 'proc.exec') return true;
  if (request.action === 'mcp.call') return isIdempotent?.(request) !== true;
  if (request.action === 'net.http') {
    const method = typeof request.params?.['method'] === 'string' ? request.params['method'].toUpperCase() : 'GET';
    return method !== 'GET' && method !== 'HEAD';
  }
  return false;
}

/**
 * Builds the tool activities over a kernel (and an optional executor such as the reversible
 * layer). `isIdempotent` marks operator-declared idempotent requests among those otherwise
 * at-most-once (see {@link isAtMostOnce}).
 */
export function createToolActivities(
  kernel: Kernel,
  executor: Executor = kernel,
  views: RunPolicyViews = new RunPolicyViews(kernel),
  isIdempotent?: (request: ActionRequest) => boolean,
) {
  return {
    /** Decides without executing. Schema violations come back as `invalid`. */
    async decideAction(input: DecideInput): Promise<KernelDecision> {
      if (input.schema !== undefined) {
        const problem = checkArguments(input.schema, input.args ?? {});
        if (problem !== undefined)
          return { effect: 'invalid', reason: `arguments do not match the tool's schema: ${problem}`, code: ActivityCode.InvalidArguments };
      }
      const run = await views.resolve(input.runPolicy);
      if (!run.ok) return { effect: 'invalid', reason: run.reason, code: run.code };
      // Always the run's own state (empty for a fresh run), never the worker kernel's session.
      return run.kernel.decide(input.request, input.history ?? {});
    },

    /** Executes through the kernel; at-most-once actions are not run again on a retry. */
    async executeAction(input: ExecuteInput): Promise<ToolOutcome> {
      const { attempt } = Context.current().info;
      if (attempt > 1 && isAtMostOnce(input.request, isIdempotent)) {
        // Not run again, and not silent either: the kernel records the unknown outcome.
        const unknown = await kernel.recordUnknown(input.request, {
          idempotencyKey: input.idempotencyKey,
          reason: 'outcome unknown: an earlier attempt may have run it; at-most-once actions are never run twice',
        });
        // The earlier attempt may have run it, and its report is lost: it counts for history-aware rules (fail closed).
        const view = await views.resolve(input.runPolicy);
        const used = view.ok ? await view.kernel.unknownUse(input.request, input.history ?? {}, input.approval !== undefined) : undefined;
        return used === undefined ? unknown : { ...unknown, history: used };
      }
      const run = await views.resolve(input.runPolicy);
      // Fails closed, and still leaves the call's one audit record.
      if (!run.ok) return kernel.recordRefusal(input.request, { idempotencyKey: input.idempotencyKey, status: 'ERROR', code: run.code, reason: run.reason });
      const runExecutor = run.kernel === kernel ? executor : executor === kernel ? run.kernel : executor.forKernel?.(run.kernel);
      if (runExecutor === undefined) {
        return { status: 'ERROR', error: 'this worker cannot narrow its executor to a run policy', code: ActivityCode.NarrowingUnsupported };
      }
      const context = Context.current();
      // The cancellation signal reaches the kernel's deadline and from there the provider
      // (a cancelled proc.exec has its process group killed); heartbeats every 250 ms let
      // the cancellation through quickly.
      const result = await whileHeartbeating(async () => {
        const approval = input.approval === undefined ? undefined : await withIdentity(input.approval);
        return runExecutor.submit(input.request, {
          idempotencyKey: input.idempotencyKey,
          signal: context.cancellationSignal,
          history: input.history ?? {},
          ...(approval ? { approval } : {}),
          ...(input.decided !== undefined ? { decided: input.decided } : {}),
        });
      }, ACTION_HEARTBEAT_INTERVAL_MS);
      if (context.cancellationSignal.aborted) {
        // Recorded by the kernel (Kernel.Aborted, or what it answered if it finished first);
        // report the cancellation to Temporal with that answer as its details, so the history
        // (`audit export`, the run's progress) shows what the kernel recorded, not just "cancelled".
        throw new CancelledFailure(`executeAction cancelled: ${result.status}${result.code ? ` ${result.code}` : ''}`, [
          capResult(result, input.maxChars ?? 16_000),
        ]);
      }
      return capResult(result, input.maxChars ?? 16_000);
    },

    /**
     * Has the kernel write the one audit record of a tool call refused before its gate
     * (nothing is decided or run). Idempotent in effect: a retry writes a second record
     * with the same idempotency key and the same verdict.
     */
    async recordRefusal(input: RefusalInput): Promise<ToolOutcome> {
      let approvalIdentity: string | undefined;
      if (input.approval !== undefined) {
        approvalIdentity = (
          await withIdentity({ approver: input.approval.approver ?? 'unknown', ...(input.approval.updateId ? { updateId: input.approval.updateId } : {}) })
        ).identity;
      }
      if (input.status === 'UNKNOWN') return kernel.recordUnknown(input.request, { idempotencyKey: input.idempotencyKey, reason: input.reason });
      return kernel.recordRefusal(input.request, {
        idempotencyKey: input.idempotencyKey,
        status: input.status,
        code: input.code,
        reason: input.reason,
        ...(approvalIdentity !== undefined ? { approvalIdentity } : {}),
      });
    },

    /**
     * The records of several calls refused before the gate (calls a stopped run never ran), in
     * order, one kernel record each; answers their outcomes in the same order. A retry writes
     * the records again, with the same idempotency keys and verdicts (as {@link recordRefusal}).
     */
    async recordRefusals(inputs: readonly RefusalInput[]): Promise<ToolOutcome[]> {
      const outcomes: ToolOutcome[] = [];
      for (const input of inputs) {
        outcomes.push(
          input.status === 'UNKNOWN'
            ? await kernel.recordUnknown(input.request, { idempotencyKey: input.idempotencyKey, reason: input.reason })
            : await kernel.recordRefusal(input.request, { idempotencyKey: input.idempotencyKey, status: input.status, code: input.code, reason: input.reason }),
        );
      }
      return outcomes;
    },
  };
}

/** The approval with the update caller's identity from history, when the update is known. */
async function withIdentity(approval: {
  approver: string;
  reason?: string;
  updateId?: string;
}): Promise<{ approver: string; reason?: string; identity?: string }> {
  const { updateId, ...rest } = approval;
  if (updateId === undefined) return rest;
  return { ...rest, identity: await updateCallerIdentity(updateId) };
}

/** Caps the textual size of a result's data so nothing near Temporal's payload limit enters history. */
export function capResult(result: ActionResult, maxChars: number): ToolOutcome {
  if (result.data === undefined) return result;
  const text = typeof result.data === 'string' ? result.data : JSON.stringify(result.data);
  if (text === undefined || text.length <= maxChars) return result;
  return { ...result, data: `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} characters]`, capped: true };
}
