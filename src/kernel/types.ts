/**
 * Public data types of the kernel: what an agent submits, what it gets back, and the
 * contract a provider implements. Pure types; no I/O.
 */
import type { Decision } from '../policy/types';
import type { HistoryEffects, RunHistory } from '../workflows/run-history-state';

/** What an agent asks the kernel to do (the seed's `ActionRequest`). */
export interface ActionRequest {
  /** Action name, e.g. `fs.read`. */
  readonly action: string;
  /** Target as the agent sees it: a path, a URL, or a program name. */
  readonly target: string;
  /** Action parameters, e.g. `{ content }` for fs.write, `{ args }` for proc.exec. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Status of a submitted action, with the seed's spelling. `UNKNOWN` = outcome unknown after a retry of an at-most-once action. */
export const ActionStatus = { Ok: 'OK', Denied: 'DENIED', Error: 'ERROR', Unknown: 'UNKNOWN' } as const;
export type ActionStatus = (typeof ActionStatus)[keyof typeof ActionStatus];

/** What `submit` returns. Never thrown: failures come back as `ERROR` with a stable `code`. */
export interface ActionResult {
  readonly status: ActionStatus;
  /** Provider output on success (e.g. file contents). */
  readonly data?: unknown;
  /** Facts about `data` from the provider, e.g. `{ encoding, bytes, truncated }` for fs.read. */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** Seed wording: `not permitted` for denials; otherwise the failure message. */
  readonly error?: string;
  /** Stable code for `ERROR`, `DENIED` and `UNKNOWN` results, e.g. `Kernel.ProviderFailed`, `Policy.Denied` (every one is in `ErrorCode`; DENIED ones in `DenialCode`). */
  readonly code?: string;
  /** Why the policy decided as it did. */
  readonly reason?: string;
  /** The rule that decided, if any. */
  readonly ruleId?: string;
  /** The canonical target that was judged. */
  readonly target?: string;
  /** Hash of the audit record this submit wrote (every recorded result carries it). */
  readonly auditRecordId?: string;
  /**
   * The reversible record to roll back with — only on results of the reversible layer for
   * actions its strategies cover (the seed's `record_id`); never an audit hash.
   */
  readonly recordId?: string;
  /**
   * Only with the submit option `history`: what this action added to the run state of
   * history-aware rules (`max_calls`, `requires`, `created_by_run`); absent when nothing.
   * The caller that keeps the state folds it in with `applyHistoryEffects`.
   */
  readonly history?: HistoryEffects;
}

/** Per-submit options. */
export interface SubmitOptions {
  /** Makes retries safe: the same key never applies twice (reversible layer, Temporal activities). */
  readonly idempotencyKey?: string;
  /** Aborts a running provider call (timeouts, cancellation). */
  readonly signal?: AbortSignal;
  /**
   * A human approval already obtained for an `ask` decision (e.g. through a workflow
   * update). Only trusted code passes this — never the agent. Recorded in the audit log.
   * It cannot turn a `deny` into an allow: it only answers an `ask`.
   */
  readonly approval?: {
    readonly approver: string;
    readonly reason?: string;
    /** Who Temporal says made the approving call (the update caller's identity); recorded as `approval_identity`. */
    readonly identity?: string;
  };
  /**
   * Trusted callers only (the reversible layer): runs after the action was allowed (or
   * approved) and right before the provider executes it, within the kernel's deadline. A
   * throw stops the action: the result is `ERROR` with the thrown error's code
   * (`Kernel.HookFailed` for untyped errors), and it is still the submit's one record.
   * It may return a {@link BeforeEffect}: work it started that must be durable before the
   * action takes effect, which the action then waits for (not the hook itself).
   */
  readonly beforeExecute?: (step: ExecutionStep) => Promise<void | BeforeEffect>;
  /**
   * Trusted callers only (a workflow's activities): the run state history-aware rules are
   * decided from, kept durably by the caller. Without it the kernel decides from its own
   * per-session state and updates that; with it, the kernel's session state is not touched
   * and what the action adds comes back in `ActionResult.history`.
   */
  readonly history?: RunHistory;
  /**
   * Trusted callers only (a workflow's activities): the decision the caller made and recorded
   * before this submit (`Kernel.decide`), and that a person approved for an `ask`. The kernel
   * still decides again at use time; when that decision is about another canonical `target`
   * (a link in the path changed in between), or `effect` was `deny` and the request is now
   * allowed or asks, nothing runs: `DENIED Kernel.DecisionChanged`. So an approval applies only
   * to the target the person was shown, and a step recorded as denied never runs.
   */
  readonly decided?: DecidedBefore;
}

/** What a caller decided before submitting (see {@link SubmitOptions.decided}). */
export interface DecidedBefore {
  readonly effect: 'allow' | 'ask' | 'deny';
  /** The canonical target that decision judged (`KernelDecision.target`). */
  readonly target?: string;
  /**
   * For an `ask`: the hash of the params that decision judged (`KernelDecision.paramsHash`). An
   * approval holds for them only: judged with other params at use time (a proc.exec working
   * folder whose link was re-pointed), the request does not run (`Kernel.DecisionChanged`).
   */
  readonly paramsHash?: string;
}

/**
 * What a `beforeExecute` hook may return: a write it started (the reversible layer's
 * write-ahead record, being fsynced) that must be durable before the action changes
 * anything. A provider that declares `awaitsBeforeEffect` gets it as
 * `ExecutionContext.beforeEffect` and may prepare meanwhile (write and fsync a temp file);
 * for any other provider the kernel waits for it before `execute`. If it rejects, nothing
 * is changed and the result is the hook's failure (`Kernel.HookFailed` for untyped errors).
 */
export interface BeforeEffect {
  readonly beforeEffect: Promise<void>;
}

/** An allowed action as kernel-run hooks see it: the judged request, its decision, and its provider. */
export interface ExecutionStep {
  /** The resolved request; act only on `request.canonicalTarget`. */
  readonly request: ResolvedRequest;
  /** The decision that allowed the action (for an undo: the original action's decision). */
  readonly decision: Decision;
  /** The provider of the action (hooks may use `locate`; `execute` needs a grant they do not have). */
  readonly provider: Provider;
  /** Fires on the kernel's timeout or the caller's abort. */
  readonly signal: AbortSignal;
}

/**
 * An undo run through `Kernel.submitUndo`: it puts back the prior state of a target that an
 * earlier allowed action changed. It is authorised by that action's decision (`authority`),
 * not by a fresh policy decision, and only for the exact canonical target that decision
 * judged; it is audited as the action it undoes, with `undo_of` naming the original record.
 */
export interface UndoRequest {
  /** The action being undone, e.g. `fs.write`. */
  readonly action: string;
  /** The canonical target the original decision judged. */
  readonly target: string;
  /** The id of the record being undone (recorded as `undo_of`). */
  readonly undoOf: string;
  /** The audit hash (kernel log record id) of the action being undone, when known (recorded as `undo_of_hash`). */
  readonly undoOfHash?: string;
  /** The original decision; must be `allow` (or an approved `ask`) on exactly `target`. */
  readonly authority: Decision;
  /** Performs the undo on `step.request.canonicalTarget`; its return value becomes `data`. */
  readonly run: (step: ExecutionStep) => Promise<unknown>;
}

/** Where a canonical target lives on the host, for providers whose targets are local files. */
export interface HostLocation {
  /** The real host path of the target. */
  readonly hostPath: string;
  /** The real folder (its mount root) above which nothing may be created or removed. */
  readonly floor: string;
}

/**
 * A request after its provider resolved the target to canonical form.
 * `facts` carries what the provider learned at the edge (e.g. the real path after symlinks)
 * so that `execute` can re-check it at use time.
 */
export interface ResolvedRequest {
  readonly action: string;
  /** The target as the agent wrote it. */
  readonly target: string;
  /** The canonical target the policy judges. */
  readonly canonicalTarget: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly facts?: Readonly<Record<string, unknown>>;
  /** Other names of the same target (see the policy's `CanonicalRequest.aliases`): deny and ask rules match them too. */
  readonly aliases?: readonly string[];
}

/** What the kernel hands a provider for one execution. */
export interface ExecutionContext {
  /** The allow decision that authorised this execution. */
  readonly decision: Decision;
  /** Constraint of the deciding rule, so the provider can enforce caps at use time. */
  readonly constraint: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
  readonly idempotencyKey?: string;
  /**
   * A fresh policy decision for a follow-up request the provider must make on the agent's
   * behalf (e.g. each HTTP redirect hop). Supplied by the kernel; without it, providers do
   * not follow such hops.
   */
  readonly authorize?: (request: ActionRequest) => Promise<Decision>;
  /**
   * Decides and records one network connection a program opens through the egress proxy
   * (see {@link EgressHook}). Supplied by the kernel only when the deciding rule grants
   * network (`constraint.network: proxy`).
   */
  readonly egress?: EgressHook;
  /**
   * Given only to a provider that declares `awaitsBeforeEffect`: settles when what the
   * `beforeExecute` hook wrote is durable. Await it before the first change anything else can
   * see (a rename, an in-place write, a folder created, a delete); if it rejects, change
   * nothing and let it reject `execute`. It also rejects (`Kernel.Timeout` / `Kernel.Aborted`)
   * if the submit's deadline fires first: the submit is then answered, so nothing may change.
   */
  readonly beforeEffect?: Promise<void>;
}

/** One connection a sandboxed program asks its egress proxy to open. */
export interface EgressRequest {
  /** `CONNECT` for a tunnel, else the method of a plain-HTTP request. */
  readonly method: string;
  /** `https://host:port/` for a CONNECT tunnel; the absolute URL of a plain-HTTP request. */
  readonly url: string;
}

/** What the kernel hands `open` once the policy allowed a connection. */
export interface EgressGrant {
  /** The canonical URL that was judged. */
  readonly target: string;
  /** Constraint of the deciding `net.http` rule (e.g. `max_bytes`, which caps the bytes relayed back). */
  readonly constraint: Readonly<Record<string, unknown>>;
}

/** The outcome of one egress decision; its one audit record is written before it is returned. */
export type EgressOutcome<T> =
  | { readonly allowed: true; readonly value: T; readonly auditRecordId: string }
  | {
      readonly allowed: false;
      readonly status: 'DENIED' | 'ERROR';
      readonly code: string;
      readonly reason: string;
      readonly auditRecordId?: string;
    };

/**
 * The kernel's decision hook for a program's egress proxy: judges `request` as a `net.http`
 * request with the policy in force (the same gate, layers and freeze as the submit), runs
 * `open` only when it is allowed (`open` resolves, checks and connects; a throw is a failed
 * connection), and appends exactly one audit record — `net.http`, status `OK`, `DENIED` or
 * `ERROR`, with the program run's `exec_id`. Never throws. When the record cannot be written
 * the connection is refused and `discard` releases what `open` made (fail closed).
 */
export type EgressHook = <T>(request: EgressRequest, open: (grant: EgressGrant) => Promise<T>, discard: (value: T) => void) => Promise<EgressOutcome<T>>;

/**
 * What {@link Provider.executeSync} returns when it cannot finish the request synchronously
 * (and changed nothing): the kernel then calls `execute`.
 */
export const NEEDS_ASYNC: unique symbol = Symbol.for('agent-os-kernel.needs-async');

/**
 * A provider performs the side effects of a set of actions. Providers are reached only
 * through `Kernel.submit` (see kernel.ts for how that is enforced).
 *
 * The contract, in the order the kernel uses it:
 * 1. `actions` — each action belongs to one provider (a second claim throws at `new Kernel`);
 *    names outside `fs.` / `proc.` / `net.` are custom and registered with the policy loader.
 * 2. `resolve` — canonicalise the target (the policy judges `canonicalTarget`); throw a typed
 *    error (with a dotted `code`) to refuse a target: the kernel answers DENIED with its message.
 *    Deterministic: the same request in the same world resolves to the same target and params
 *    (an approved `ask` runs only if its judged params hash the same at use time).
 * 3. `execute` — call `assertKernelGrant(context, this.name)` first; act only on
 *    `canonicalTarget`, never on the raw target; enforce `context.constraint` caps; re-check at
 *    use time what `resolve` saw; honour `context.signal`; throw typed errors whose messages
 *    hold no host paths or secrets (foreign errors reach the agent only as their class name).
 *    Return data, or `withMeta(data, meta)` to add `ActionResult.meta`.
 *
 * A complete custom provider (a key-value store) is in examples/kv-provider.ts.
 */
export interface Provider {
  /** Short name for logs, e.g. `filesystem`. */
  readonly name: string;
  /** The actions this provider executes, e.g. `['fs.read', 'fs.write']`. */
  readonly actions: readonly string[];
  /** Turn the agent's target into the canonical one; may do read-only I/O (realpath). Throws a KernelError on invalid targets. */
  resolve(request: ActionRequest): Promise<ResolvedRequest>;
  /**
   * Optional: the same as `resolve`, synchronously, for providers whose resolve needs no
   * asynchronous work (the filesystem's realpath). The kernel then decides without an
   * `await`, and a denial is recorded and answered at once. Must return what `resolve` would.
   */
  resolveSync?(request: ActionRequest): ResolvedRequest;
  /** Perform the action. Must re-check at use time what `resolve` established. */
  execute(request: ResolvedRequest, context: ExecutionContext): Promise<unknown>;
  /**
   * Optional: `execute` without a promise, for an allowed action the provider can finish
   * synchronously (the filesystem's read of a small file). Returns what `execute` would
   * resolve to (never a promise: one is recorded as the provider's failure, `Kernel.ProviderFailed`),
   * throws what it would reject with, or returns {@link NEEDS_ASYNC} — having
   * changed nothing — when this request needs `execute`, which the kernel then calls with a
   * new grant. The kernel uses it only when nothing has to be awaited around the call (no
   * approval, no `beforeExecute` hook, no history-aware rules, no egress); it then answers
   * the submit, record written, without an `await` of its own.
   */
  executeSync?(request: ResolvedRequest, context: ExecutionContext): unknown;
  /**
   * Optional: true if `execute` awaits `context.beforeEffect` itself, right before its first
   * visible change (so a hook's fsync overlaps the provider's preparation). Otherwise the
   * kernel awaits it before calling `execute`.
   */
  readonly awaitsBeforeEffect?: boolean;
  /**
   * Optional, for providers whose targets are local files: where a canonical target lives
   * (`undefined` if it lies under no mount). Used by snapshot strategies of the reversible layer.
   */
  locate?(canonicalTarget: string): HostLocation | undefined;
  /** Optional: releases what the provider holds (e.g. MCP server processes); called once by `Kernel.close()` after submits in flight finished. */
  close?(): Promise<void>;
  /**
   * Optional: called once by `new Kernel` with the hooks a provider may use outside a single
   * execution (e.g. the egress of a long-lived MCP server).
   */
  attach?(hooks: ProviderHooks): void;
}

/** What the kernel offers a provider for work that outlives one execution. */
export interface ProviderHooks {
  /**
   * An egress hook for a long-lived program (e.g. a stdio MCP server granted `network: proxy`):
   * each connection is judged by the kernel's ceiling policy in force at that moment and
   * recorded as `net.http` with one `exec_id` per hook, its reason naming `origin`.
   */
  egressFor(origin: { readonly action: string; readonly target: string }): EgressHook;
}
