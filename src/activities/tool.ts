/**
 * The tool activities: decide (a dry run of the kernel, recorded in history) and execute
 * (`Kernel.submit`, which decides again at use time on the canonical target).
 */
import { Context } from '@temporalio/activity';
import type { Kernel } from '../kernel/kernel';
import type { KernelDecision } from '../kernel/decide';
import type { ActionRequest, ActionResult } from '../kernel/types';
import { RunPolicyViews } from './run-policy';
import { whileHeartbeating } from './heartbeat';
import { checkArguments } from './schema-check';
import { ActivityCode } from './error-codes';

/** Input of {@link ToolActivities.decideAction}. */
export interface DecideInput {
  readonly request: ActionRequest;
  /** The tool's JSON schema and the model's arguments, checked before deciding. */
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly args?: Readonly<Record<string, unknown>>;
  /** YAML text of the run's own policy, which narrows the worker's ceiling. */
  readonly runPolicy?: string;
}

/** Input of {@link ToolActivities.executeAction}. */
export interface ExecuteInput {
  readonly request: ActionRequest;
  readonly idempotencyKey: string;
  readonly approval?: { readonly approver: string; readonly reason?: string };
  /** YAML text of the run's own policy, which narrows the worker's ceiling. */
  readonly runPolicy?: string;
  /** Cap, in characters, of the textual result entering history (default 16,000). */
  readonly maxChars?: number;
}

/** A kernel result, capped for history. */
export interface ToolOutcome extends ActionResult {
  /** True when `data` was cut to fit the cap. */
  readonly capped?: boolean;
}

/** Something that executes requests (the kernel, or the reversible layer in front of it). */
export interface Executor {
  submit(request: ActionRequest, options: { idempotencyKey: string; approval?: { approver: string; reason?: string } }): Promise<ActionResult>;
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
        if (problem !== undefined) return { effect: 'invalid', reason: `arguments do not match the tool's schema: ${problem}`, code: ActivityCode.InvalidArguments };
      }
      const run = views.get(input.runPolicy);
      if (!run.ok) return { effect: 'invalid', reason: run.reason, code: run.code };
      return run.kernel.decide(input.request);
    },

    /** Executes through the kernel; at-most-once actions are not run again on a retry. */
    async executeAction(input: ExecuteInput): Promise<ToolOutcome> {
      const { attempt } = Context.current().info;
      if (attempt > 1 && isAtMostOnce(input.request, isIdempotent)) {
        // Not run again, and not silent either: the kernel records the unknown outcome.
        return kernel.recordUnknown(input.request, {
          idempotencyKey: input.idempotencyKey,
          reason: 'outcome unknown: an earlier attempt may have run it; at-most-once actions are never run twice',
        });
      }
      const run = views.get(input.runPolicy);
      if (!run.ok) return { status: 'ERROR', error: run.reason, code: run.code };
      const runExecutor = run.kernel === kernel ? executor : executor === kernel ? run.kernel : executor.forKernel?.(run.kernel);
      if (runExecutor === undefined) {
        return { status: 'ERROR', error: 'this worker cannot narrow its executor to a run policy', code: ActivityCode.NarrowingUnsupported };
      }
      const result = await whileHeartbeating(() =>
        runExecutor.submit(input.request, {
          idempotencyKey: input.idempotencyKey,
          ...(input.approval ? { approval: input.approval } : {}),
        }),
      );
      return capResult(result, input.maxChars ?? 16_000);
    },
  };
}

/** Caps the textual size of a result's data so nothing near Temporal's payload limit enters history. */
export function capResult(result: ActionResult, maxChars: number): ToolOutcome {
  if (result.data === undefined) return result;
  const text = typeof result.data === 'string' ? result.data : JSON.stringify(result.data);
  if (text === undefined || text.length <= maxChars) return result;
  return { ...result, data: `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} characters]`, capped: true };
}
