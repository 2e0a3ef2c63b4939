/**
 * The gate. `Kernel.submit` is the only way an action reaches a provider:
 *
 *   validate shape → find provider → provider.resolve (canonical target) → policy decision
 *   → deny / ask (approve callback) / allow → provider.execute with a single-use grant
 *
 * and every submit — malformed, unknown, denied, failed, timed out — ends in exactly one
 * audit record, written before `submit` resolves. `submit` never throws: failures come
 * back as `ERROR` results with a stable `code`. Two cases are answered without a record,
 * because the log cannot take one: `submit` after `close()` (`Kernel.Closed`) and after
 * an audit write failed (`Kernel.AuditFailed`); in both, nothing runs.
 */
import { hasErrorCode } from '../errors';
import { BuiltinAction, type Decision, type PolicyDocument } from '../policy/types';
import { AuditLog } from './audit-log';
import { hashParams } from './audit-record';
import { Deadline } from './deadline';
import { AuditWriteError, DuplicateActionError, InvalidProviderError, KernelClosedError } from './errors';
import { PolicyGate, type FreezeCheck, type PolicySource } from './policy-gate';
import { type Outcome, type Trace, outcomeToResult, runPipeline, runUnknown, toEntry } from './pipeline';
import type { ActionRequest, ActionResult, Provider, ResolvedRequest, SubmitOptions, UndoRequest } from './types';
import { runUndo } from './undo';
import { decideRequest, type KernelDecision } from './decide';

/** Decides an `ask` decision; resolve `true` to run the action. A throw counts as "no". */
export type ApproveCallback = (request: ResolvedRequest, decision: Decision) => Promise<boolean>;

/** Options of {@link Kernel}. */
export interface KernelOptions {
  /** The ceiling policy: a YAML file path, or a validated document. */
  readonly policy: PolicySource;
  /** Providers; each action may be claimed by one provider only. */
  readonly providers: readonly Provider[];
  /** JSONL audit log to append to (created if missing, its chain continued if present). */
  readonly logPath?: string;
  /** Called for `ask` decisions; without it they are DENIED with reason "requires approval". Its time does not count against `timeoutMs`. */
  readonly approve?: ApproveCallback;
  /** Extra policies for this run; evaluated layered under the ceiling, so they can only narrow it. */
  readonly narrow?: readonly PolicySource[];
  /** Per-submit limit on the provider's resolve + execute, in ms (default 30 000; `Infinity` for none). */
  readonly timeoutMs?: number;
  /** An emergency stop asked before every decision (see {@link FreezeCheck}); views share it. */
  readonly freeze?: FreezeCheck;
}

const BUILTIN: ReadonlySet<string> = new Set(Object.values(BuiltinAction));

/**
 * The security kernel (the seed's `Kernel`).
 * @example
 * const kernel = new Kernel({ policy: 'policy.yaml', providers: [new FilesystemProvider()], logPath: 'kernel.log' });
 * const result = await kernel.submit({ action: 'fs.read', target: '/workspace/data.csv' });
 * await kernel.close();
 */
export class Kernel {
  private gate: PolicyGate;
  private readonly extraActions: readonly string[];
  private readonly narrowSources: readonly PolicySource[];
  private readonly freeze: FreezeCheck | undefined;
  private readonly providers = new Map<string, Provider>();
  private readonly audit: AuditLog;
  private readonly inflight = new Set<Promise<ActionResult>>();
  private readonly timeoutMs: number;
  private readonly approve: ApproveCallback | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Loads and compiles the policy and opens the audit log. Fails closed: nothing can run
   * through a kernel that could not be built.
   * @throws InvalidProviderError, DuplicateActionError, PolicyValidationError, PolicyFileError,
   *   AuditLogCorruptError, or an `fs` error opening the log.
   */
  constructor(options: KernelOptions) {
    for (const provider of options.providers) {
      checkProvider(provider);
      for (const action of provider.actions) {
        const other = this.providers.get(action);
        if (other !== undefined) throw new DuplicateActionError(action, [other.name, provider.name]);
        this.providers.set(action, provider);
      }
    }
    const extraActions = [...this.providers.keys()].filter((a) => !BUILTIN.has(a));
    this.extraActions = extraActions;
    this.narrowSources = options.narrow ?? [];
    this.freeze = options.freeze;
    this.gate = new PolicyGate(options.policy, options.narrow ?? [], extraActions, options.freeze);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.approve = options.approve;
    this.audit = options.logPath === undefined ? AuditLog.discarding() : AuditLog.open(options.logPath);
  }

  /** sha256 of the policy in force (recorded as `policy_hash`). */
  get policyHash(): string {
    return this.gate.hash;
  }

  /** Every action some provider executes. */
  get actions(): readonly string[] {
    return [...this.providers.keys()];
  }

  /**
   * Submits one action. Never throws; see {@link ActionResult} for the outcome.
   * `request` is checked at run time, so untrusted values (a model's tool call) may be passed.
   */
  submit(request: ActionRequest, options: SubmitOptions = {}): Promise<ActionResult> {
    if (this.closing !== undefined) return Promise.resolve(refusal(new KernelClosedError()));
    const broken = this.audit.broken;
    if (broken !== undefined) return Promise.resolve(refusal(broken));
    const pending = this.submitLogged(request, options);
    this.inflight.add(pending);
    void pending.finally(() => this.inflight.delete(pending));
    return pending;
  }

  /**
   * Runs an undo of an earlier action, authorised by that action's decision instead of a
   * fresh policy decision (see {@link UndoRequest}), and records it like a submit: one
   * audit record, for the undone action and target, with `undo_of`. Trusted callers only
   * (the reversible layer). Never throws; `DENIED` with `Kernel.UndoNotAuthorised` when the
   * authority does not cover the target.
   */
  submitUndo(undo: UndoRequest, options: { readonly signal?: AbortSignal } = {}): Promise<ActionResult> {
    if (this.closing !== undefined) return Promise.resolve(refusal(new KernelClosedError()));
    const broken = this.audit.broken;
    if (broken !== undefined) return Promise.resolve(refusal(broken));
    const pending = this.submitLogged({ action: undo?.action, target: undo?.target }, options, undo);
    this.inflight.add(pending);
    void pending.finally(() => this.inflight.delete(pending));
    return pending;
  }

  /**
   * Records — without deciding or running anything — that an at-most-once action's outcome
   * is unknown: a retry after an attempt that may already have run it (`proc.exec`,
   * non-GET `net.http`). One audit record with status `UNKNOWN`, like any submit.
   */
  recordUnknown(request: ActionRequest, options: { readonly idempotencyKey?: string; readonly reason: string }): Promise<ActionResult> {
    if (this.closing !== undefined) return Promise.resolve(refusal(new KernelClosedError()));
    const broken = this.audit.broken;
    if (broken !== undefined) return Promise.resolve(refusal(broken));
    const submitOptions = options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey };
    const pending = this.submitLogged(request, submitOptions, undefined, options.reason);
    this.inflight.add(pending);
    void pending.finally(() => this.inflight.delete(pending));
    return pending;
  }

  /**
   * Decides a request without executing it and without an audit record (a dry run of the
   * gate, used to record decisions in workflow history before the action is scheduled).
   * Never throws.
   */
  decide(request: ActionRequest): Promise<KernelDecision> {
    return decideRequest(request, this.providers, this.gate);
  }

  /**
   * A view of this kernel that decides with its policy narrowed by `policies` (a run's own
   * policy, evaluated layered under the ceiling: deny > ask > allow, so it never widens).
   * The view shares the providers, the approve callback, the audit log and the in-flight
   * set; its records carry the combined policy hash. Closing the view does nothing: the
   * log belongs to this kernel.
   * @example
   * const run = kernel.narrowed([loadPolicyText(runYaml, 'run-policy')]);
   * await run.submit({ action: 'fs.write', target: '/workspace/output/x.md', params: { content } });
   */
  narrowed(policies: readonly PolicyDocument[]): Kernel {
    const view = Object.create(this) as Kernel;
    // The view follows its parent's policy: after a reload of the ceiling it narrows the new one.
    let cached: { readonly base: PolicyGate; readonly gate: PolicyGate } | undefined;
    Object.defineProperty(view, 'gate', {
      get: () => {
        const base = this.gate;
        if (cached?.base !== base) cached = { base, gate: base.narrowedBy(policies) };
        return cached.gate;
      },
    });
    Object.defineProperty(view, 'reloadPolicy', { value: () => { throw new TypeError('reload the policy of the kernel, not of a narrowed view'); } });
    Object.defineProperty(view, 'close', { value: () => Promise.resolve() });
    return view;
  }

  /**
   * Replaces the ceiling policy (a live reload, e.g. on SIGHUP). The new policy is loaded and
   * compiled first: when it is invalid this throws and the policy in force stays. Submits
   * already past their decision finish under the old one; narrowed views follow the new one.
   * @throws PolicyValidationError / PolicyFileError from the loader (nothing changed).
   * @returns the new policy hash.
   */
  reloadPolicy(policy: PolicySource): string {
    const next = new PolicyGate(policy, this.narrowSources, this.extraActions, this.freeze);
    this.gate = next;
    return next.hash;
  }

  /** Waits for submits in flight, then flushes, fsyncs and closes the audit log. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      await this.audit.close();
    })();
    return this.closing;
  }

  private async submitLogged(raw: unknown, options: SubmitOptions, undo?: UndoRequest, unknownReason?: string): Promise<ActionResult> {
    const started = performance.now();
    const trace: Trace = { raw };
    let outcome: Outcome;
    const deadline = new Deadline(describeAction(raw), this.timeoutMs, options.signal);
    // One policy per submit: a reload in between cannot split the decision from its record's hash.
    const gate = this.gate;
    try {
      const deps = { providers: this.providers, gate, approve: this.approve, deadline };
      outcome =
        unknownReason !== undefined ? await runUnknown(raw, unknownReason, trace, deps)
        : undo === undefined ? await runPipeline(raw, options, trace, deps)
        : await runUndo(undo, trace, deps);
    } catch (err) {
      outcome = { kind: 'error', error: err };
    } finally {
      deadline.dispose();
    }
    const result = outcomeToResult(outcome, trace);
    const entry = toEntry(result, trace, {
      durationMs: performance.now() - started,
      policyHash: gate.hash,
      idempotencyKey: options.idempotencyKey,
      paramsHash: hashParams(trace.request?.params ?? paramsOf(raw)),
    });
    try {
      const record = await this.audit.append(entry);
      return { ...result, recordId: record.hash };
    } catch (err) {
      return refusal(hasErrorCode(err, 'Kernel.AuditFailed') ? (err as AuditWriteError) : new AuditWriteError(this.audit.file ?? '<memory>', { cause: err }));
    }
  }
}

function refusal(err: KernelClosedError | AuditWriteError): ActionResult {
  return { status: 'ERROR', error: err.message, code: err.code };
}

function describeAction(raw: unknown): string {
  const action = (raw as { action?: unknown } | null)?.action;
  return typeof action === 'string' ? action.slice(0, 128) : '<malformed>';
}

function paramsOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as { params?: unknown }).params : undefined;
}

function checkProvider(provider: Provider): void {
  const name = typeof provider?.name === 'string' && provider.name !== '' ? provider.name : '<unnamed>';
  if (name === '<unnamed>') throw new InvalidProviderError(name, '"name" must be a non-empty string');
  if (!Array.isArray(provider.actions) || provider.actions.some((a) => typeof a !== 'string')) {
    throw new InvalidProviderError(name, '"actions" must be an array of action names');
  }
  if (typeof provider.resolve !== 'function' || typeof provider.execute !== 'function') {
    throw new InvalidProviderError(name, 'it must implement resolve() and execute()');
  }
}
