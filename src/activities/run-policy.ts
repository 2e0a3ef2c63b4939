/**
 * Per-run narrowing: a run may carry its own policy (YAML text in its input), which the
 * activities evaluate layered under the worker's ceiling — so a run can never allow what
 * the worker denies, and an `ask` in the ceiling stays an `ask` even if the run allows it.
 *
 * Narrowed views of the kernel are built once per distinct policy text (by its sha256) and
 * share the worker's providers and audit log. An invalid run policy fails closed.
 */
import type { Kernel } from '../kernel/kernel';
import { BUILTIN_ACTIONS, loadPolicyText } from '../policy/index';
import { errorCode } from '../errors';
import { PolicyCode } from '../policy/errors';
import { ActivityCode } from './error-codes';
import { StartPolicyUnreadable, startInputPolicy, type FetchStartPolicy } from './run-policy-lookup';
import { refHash, runPolicyHash } from './run-policy-ref';

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
 * const step = await views.resolve(input.runPolicy); // also for a `sha256:…` reference
 */
export class RunPolicyViews {
  private readonly views = new Map<string, RunKernel>();

  /**
   * @param fetchStartPolicy where {@link resolve} reads a run's policy text when a step
   *   carries only its reference (default: the run's start input, from its history).
   */
  constructor(
    private readonly ceiling: Kernel,
    private readonly fetchStartPolicy: FetchStartPolicy = startInputPolicy,
  ) {}

  /**
   * The kernel for a step's `runPolicy`: YAML text (runs of older releases, the workflow's own
   * `decideAction`), a `sha256:…` reference (run-policy-ref.ts), or nothing. A reference is
   * served from the views this worker built, else from the run's start input, whose text must
   * hash to it. When the text cannot be found the answer is `Run.PolicyUnavailable`: never the
   * ceiling alone. A transient server error is thrown (the activity is retried).
   */
  async resolve(runPolicy: string | undefined): Promise<RunKernel> {
    const hash = refHash(runPolicy);
    if (hash === undefined) return this.get(runPolicy);
    const cached = this.views.get(hash);
    if (cached !== undefined) return this.touch(hash, cached);
    const unavailable = (why: string): RunKernel => ({
      ok: false,
      code: ActivityCode.PolicyUnavailable,
      reason: `the run's policy (${runPolicy}) is not available on this worker, so nothing is decided or run: ${why}`,
    });
    let text: unknown;
    try {
      text = await this.fetchStartPolicy();
    } catch (err) {
      if (err instanceof StartPolicyUnreadable) return unavailable(err.message);
      throw err;
    }
    if (typeof text !== 'string') return unavailable("the run's start input carries no policy text");
    const found = runPolicyHash(text);
    if (found !== hash) return unavailable(`the policy in the run's start input has another hash (sha256:${found})`);
    return this.get(text);
  }

  /** The kernel for a run: the ceiling itself without a run policy; never throws. */
  get(runPolicy: string | undefined): RunKernel {
    if (runPolicy === undefined) return { ok: true, kernel: this.ceiling };
    if (typeof runPolicy !== 'string') return { ok: false, code: PolicyCode.Invalid, reason: 'the run policy must be YAML text' };
    const key = runPolicyHash(runPolicy);
    const cached = this.views.get(key);
    if (cached !== undefined) return this.touch(key, cached);
    const built = this.build(runPolicy);
    this.views.set(key, built);
    if (this.views.size > MAX_VIEWS) this.views.delete(this.views.keys().next().value as string);
    return built;
  }

  /** Marks a view as just used (least recently used views are dropped first). */
  private touch(key: string, view: RunKernel): RunKernel {
    this.views.delete(key);
    this.views.set(key, view);
    return view;
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
