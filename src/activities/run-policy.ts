/**
 * Per-run narrowing: a run may carry its own policy (YAML text in its input), which the
 * activities evaluate layered under the worker's ceiling — so a run can never allow what
 * the worker denies, and an `ask` in the ceiling stays an `ask` even if the run allows it.
 *
 * Narrowed views of the kernel are built once per distinct policy text (by its sha256) and
 * share the worker's providers and audit log. An invalid run policy fails closed.
 */
import { createHash } from 'node:crypto';
import type { Kernel } from '../kernel/kernel';
import { BUILTIN_ACTIONS, loadPolicyText } from '../policy/index';
import { errorCode } from '../errors';
import { PolicyCode } from '../policy/errors';

/** The name run policies carry in validation problems. */
export const RUN_POLICY_FILE = 'run-policy.yaml';

/** Most narrowed views kept per worker (least recently used are dropped). */
const MAX_VIEWS = 64;

/** The kernel a run decides with, or why there is none. */
export type RunKernel = { readonly ok: true; readonly kernel: Kernel } | { readonly ok: false; readonly code: string; readonly reason: string };

/**
 * Builds narrowed kernel views for run policies, cached by the policy's hash.
 * @example
 * const views = new RunPolicyViews(kernel);
 * const run = views.get(input.runPolicy); // the worker's kernel itself when undefined
 */
export class RunPolicyViews {
  private readonly views = new Map<string, RunKernel>();

  constructor(private readonly ceiling: Kernel) {}

  /** The kernel for a run: the ceiling itself without a run policy; never throws. */
  get(runPolicy: string | undefined): RunKernel {
    if (runPolicy === undefined) return { ok: true, kernel: this.ceiling };
    if (typeof runPolicy !== 'string') return { ok: false, code: PolicyCode.Invalid, reason: 'the run policy must be YAML text' };
    const key = createHash('sha256').update(runPolicy).digest('hex');
    const cached = this.views.get(key);
    if (cached !== undefined) {
      this.views.delete(key);
      this.views.set(key, cached);
      return cached;
    }
    const built = this.build(runPolicy);
    this.views.set(key, built);
    if (this.views.size > MAX_VIEWS) this.views.delete(this.views.keys().next().value as string);
    return built;
  }

  private build(runPolicy: string): RunKernel {
    const builtin: ReadonlySet<string> = new Set(BUILTIN_ACTIONS);
    const extraActions = this.ceiling.actions.filter((a) => !builtin.has(a));
    try {
      const doc = loadPolicyText(runPolicy, RUN_POLICY_FILE, { extraActions });
      return { ok: true, kernel: this.ceiling.narrowed([doc]) };
    } catch (err) {
      const code = errorCode(err, PolicyCode.Invalid);
      return { ok: false, code, reason: `the run's policy is invalid, so nothing runs: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
