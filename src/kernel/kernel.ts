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
import { AuditLog, type AuditLogOptions } from './audit-log';
import { types } from 'node:util';
import { type AuditEntry, type AuditRecord, hashParams } from './audit-record';
import { Deadline } from './deadline';
import { AuditWriteError, DuplicateActionError, InvalidProviderError, KernelClosedError, KernelCode } from './errors';
import { judgedRequest, PolicyGate, type FreezeCheck, type PolicySource } from './policy-gate';
import { FreezeWatch } from './freeze-watch';
import {
  type Continuation,
  type Outcome,
  type Refusal,
  type Trace,
  isOutcome,
  outcomeToResult,
  runPipeline,
  runRefused,
  runSync,
  runUnknown,
  startPipeline,
  toEntry,
} from './pipeline';
import type { ActionRequest, ActionResult, EgressHook, Provider, ProviderHooks, ResolvedRequest, SubmitOptions, UndoRequest } from './types';
import { runEgress } from './egress';
import { randomUUID } from 'node:crypto';
import { runUndo } from './undo';
import { type CheckedSubmitOptions, readSubmitOptions } from './submit-options';
import { decideRequest, type KernelDecision } from './decide';
import { GivenHistory, SessionHistory, type HistoryEffects, type RunHistory } from './run-history';
import { validateRequest } from './request';
import { checkKernelOptions } from './kernel-options';
import { frozenCopy } from './frozen-copy';

/** Decides an `ask` decision; resolve `true` to run the action. A throw counts as "no". */
export type ApproveCallback = (request: ResolvedRequest, decision: Decision) => Promise<boolean>;

/** Options of {@link Kernel}. */
export interface KernelOptions {
  /** The ceiling policy: a YAML file path, or a validated document. */
  readonly policy: PolicySource;
  /** Providers; each action may be claimed by one provider only. */
  readonly providers: readonly Provider[];
  /**
   * JSONL audit log to append to (created if missing, its chain continued if present).
   * Several processes or Kernels may name the same log: each writes a segment of its own
   * (see {@link AuditLogOptions}); `agent-os audit verify` checks them together.
   */
  readonly logPath?: string;
  /** Rotation and head-file settings of the log's segments. */
  readonly audit?: AuditLogOptions;
  /** Called for `ask` decisions; without it they are DENIED with reason "requires approval". Its time does not count against `timeoutMs`. */
  readonly approve?: ApproveCallback;
  /** Extra policies for this run; evaluated layered under the ceiling, so they can only narrow it. */
  readonly narrow?: readonly PolicySource[];
  /** Per-submit limit on the provider's resolve + execute, in ms (default 30 000; `Infinity` for none). */
  readonly timeoutMs?: number;
  /**
   * Called with every record right after it was appended (metrics, e.g. the worker's
   * Prometheus counters). Must be cheap; whatever it throws is ignored.
   */
  readonly observe?: (record: AuditRecord) => void;
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
  /** Stops running actions when the freeze is set (undefined without a freeze check). */
  private readonly freezeWatch: FreezeWatch | undefined;
  private readonly timeoutMs: number;
  private readonly approve: ApproveCallback | undefined;
  private readonly observe: ((record: AuditRecord) => void) | undefined;
  private closing: Promise<void> | undefined;
  /** The run state of history-aware rules for submits without the `history` option (this kernel session). */
  private readonly session = new SessionHistory();

  /**
   * Loads and compiles the policy and opens the audit log. Fails closed: nothing can run
   * through a kernel that could not be built.
   * @throws KernelOptionsError (an unknown option or one of the wrong type), InvalidProviderError, DuplicateActionError, PolicyValidationError, PolicyFileError,
   *   AuditLogCorruptError, or an `fs` error opening the log.
   */
  constructor(options: KernelOptions) {
    checkKernelOptions(options);
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
    this.freezeWatch = options.freeze === undefined ? undefined : new FreezeWatch(options.freeze);
    this.gate = new PolicyGate(options.policy, options.narrow ?? [], extraActions, options.freeze);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.approve = options.approve;
    this.observe = options.observe;
    this.audit = options.logPath === undefined ? AuditLog.discarding() : AuditLog.open(options.logPath, options.audit);
    const hooks: ProviderHooks = { egressFor: (origin) => this.egressFor(origin) };
    for (const provider of new Set(this.providers.values())) provider.attach?.(hooks);
  }

  /** See {@link ProviderHooks.egressFor}: the ceiling policy in force decides each connection. */
  private egressFor(origin: { readonly action: string; readonly target: string }): EgressHook {
    const execId = randomUUID();
    const described = { action: String(origin.action).slice(0, 128), target: String(origin.target).slice(0, 512) };
    return (request, open, discard) => {
      if (this.closing !== undefined) {
        return Promise.resolve({ allowed: false, status: 'ERROR', code: KernelCode.Closed, reason: 'the kernel is closed' });
      }
      const gate = this.gate;
      return runEgress(request, open, discard, {
        gate,
        append: (e) => this.appendObserved(e),
        execId: () => execId,
        origin: described,
        ...(gate.tracksHistory ? { history: this.session } : {}),
      });
    };
  }

  /** sha256 of the policy in force (recorded as `policy_hash`). */
  get policyHash(): string {
    return this.gate.hash;
  }

  /**
   * True if the policy (every layer) could allow `action` on the canonical `target` for some
   * params: for offering a model only tools that may work. Decides nothing and records nothing.
   */
  couldAllow(action: string, target: string): boolean {
    return this.providers.has(action) && this.gate.couldAllow(action, target);
  }

  /** Every action some provider executes. */
  get actions(): readonly string[] {
    return [...this.providers.keys()];
  }

  /** The provider that executes `action`, if any (e.g. the `McpProvider` behind `mcp.call`, whose tools `AgentLoop` offers). */
  providerFor(action: string): Provider | undefined {
    return this.providers.get(action);
  }

  /**
   * Submits one action. Never throws; see {@link ActionResult} for the outcome.
   * `request` is checked at run time, so untrusted values (a model's tool call) may be passed.
   */
  submit(request: ActionRequest, options?: SubmitOptions): Promise<ActionResult> {
    if (this.closing !== undefined) return Promise.resolve(refusal(new KernelClosedError()));
    const broken = this.audit.broken;
    if (broken !== undefined) return Promise.resolve(refusal(broken));
    const { options: checked, problem } = readSubmitOptions(options);
    // History-aware rules judge against the run state, which the asynchronous path reads (and re-checks after approval).
    if (checked.signal?.aborted === true || this.gate.tracksHistory) return this.track(this.submitLogged(request, checked, undefined, undefined, problem));
    // The synchronous start: a denial (or a malformed request) is decided, recorded and answered without an await.
    const started: Started = { at: performance.now(), trace: { raw: request }, gate: this.gate, first: { kind: 'error', error: undefined } };
    try {
      started.first = startPipeline(request, problem, started.trace, { providers: this.providers, gate: started.gate });
    } catch (error) {
      started.first = { kind: 'error', error }; // a kernel bug: recorded as an internal error
    }
    if (!isOutcome(started.first)) {
      // An allowed action its provider finishes synchronously is run, recorded and answered without an await too.
      let done: Outcome | undefined;
      try {
        done = runSync(started.first, checked, started.trace);
      } catch (error) {
        done = { kind: 'error', error }; // a kernel bug: recorded as an internal error
      }
      if (done === undefined) return this.track(this.submitLogged(request, checked, undefined, undefined, problem, undefined, started));
      started.first = done;
    }
    // `ran`: a record that cannot be written after the provider ran is answered as such (settle).
    return Promise.resolve(
      this.settle(() => {
        const built = this.entryOf(started.first as Outcome, started, checked);
        return started.trace.ran === true ? { ...built, ran: true } : built;
      }),
    );
  }

  /** Keeps `pending` in the in-flight set until it settles (it never rejects). */
  private track(pending: Promise<ActionResult>): Promise<ActionResult> {
    this.inflight.add(pending);
    const done = (): void => {
      this.inflight.delete(pending);
    };
    pending.then(done, done);
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
    const { options: checked, problem } = readSubmitOptions(options);
    return this.track(this.submitLogged(undoTarget(undo), checked, undo, undefined, problem));
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
    const { options: checked, problem } = readSubmitOptions(options);
    const reason = unknownReasonOf(options);
    return this.track(this.submitLogged(request, checked, undefined, reason, problem));
  }

  /**
   * Records — without deciding or running anything — a request refused before it reached
   * the gate: a model's call to an unknown tool, arguments that do not parse or fit the
   * tool's schema, a target a provider refused while deciding, an approval a person
   * refused or that timed out, a budget. One audit record with the given status and code,
   * like any submit (trusted callers only: the workflow's activities).
   */
  recordRefusal(request: ActionRequest, given: Refusal & { readonly idempotencyKey?: string }): Promise<ActionResult> {
    if (this.closing !== undefined) return Promise.resolve(refusal(new KernelClosedError()));
    const broken = this.audit.broken;
    if (broken !== undefined) return Promise.resolve(refusal(broken));
    const { options: checked, problem } = readSubmitOptions(given.idempotencyKey === undefined ? {} : { idempotencyKey: given.idempotencyKey });
    return this.track(this.submitLogged(request, checked, undefined, undefined, problem, given));
  }

  /**
   * Decides a request without executing it and without an audit record (a dry run of the
   * gate, used to record decisions in workflow history before the action is scheduled).
   * History-aware rules are judged against `history` (a run's state kept by the caller), or
   * else this kernel session's own state. Never throws.
   */
  decide(request: ActionRequest, history?: RunHistory): Promise<KernelDecision> {
    return decideRequest(request, this.providers, this.gate, history ?? this.session.get());
  }

  /**
   * What an action whose outcome is unknown (an at-most-once retry) counts for history-aware
   * rules, judged from the caller's run state: the calls and grants of the rules that allow it
   * now (a target it may have created is not claimed). Undefined when nothing. Never throws.
   */
  async unknownUse(request: ActionRequest, history: RunHistory, approved: boolean): Promise<HistoryEffects | undefined> {
    const gate = this.gate;
    if (!gate.tracksHistory) return undefined;
    try {
      const r = validateRequest(request);
      const provider = this.providers.get(r.action);
      if (provider === undefined) return undefined;
      const resolved = await provider.resolve(r);
      const judged = judgedRequest(r.action, resolved, resolved.params ?? r.params);
      const { decision } = gate.decide(judged, history);
      if (decision.effect === 'deny' || (decision.effect === 'ask' && !approved)) return undefined;
      return gate.historyEffects(decision, { request: judged, approved });
    } catch {
      return undefined;
    }
  }

  /**
   * A view of this kernel that decides with its policy narrowed by `policies` (a run's own
   * policy, evaluated layered under the ceiling: deny > ask > allow, so it never widens).
   * The view shares the providers, the approve callback, the audit log and the in-flight
   * set; its records carry the combined policy hash. Closing the view does nothing: the
   * log belongs to this kernel. The view is a session of its own: history-aware rules
   * (`max_calls`, `requires`, `created_by_run`) count what was done through the view.
   * The documents are copied and compiled at once: changing them (or the array) afterwards
   * changes nothing.
   * @throws TypeError (or a policy error) for a document that is not a loaded policy.
   * @example
   * const run = kernel.narrowed([loadPolicyText(runYaml, 'run-policy')]);
   * await run.submit({ action: 'fs.write', target: '/workspace/output/x.md', params: { content } });
   */
  narrowed(policies: readonly PolicyDocument[]): Kernel {
    const view = Object.create(this) as Kernel;
    // Copied now (the array and each document) and compiled now: what the caller changes later is not
    // the run's policy, and a document that is not a loaded policy throws here, never in a submit.
    const docs = [...policies].map((doc) => frozenCopy(doc));
    let cached: { readonly base: PolicyGate; readonly gate: PolicyGate } = { base: this.gate, gate: this.gate.narrowedBy(docs) };
    // The view follows its parent's policy: after a reload of the ceiling it narrows the new one.
    Object.defineProperty(view, 'gate', {
      get: () => {
        const base = this.gate;
        if (cached.base !== base) cached = { base, gate: base.narrowedBy(docs) };
        return cached.gate;
      },
    });
    Object.defineProperty(view, 'reloadPolicy', {
      value: () => {
        throw new TypeError('reload the policy of the kernel, not of a narrowed view');
      },
    });
    Object.defineProperty(view, 'close', { value: () => Promise.resolve() });
    Object.defineProperty(view, 'session', { value: new SessionHistory() });
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

  /** Waits for submits in flight, closes providers that hold resources, then flushes, fsyncs and closes the audit log. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      await Promise.allSettled([...new Set(this.providers.values())].map(async (p) => p.close?.()));
      await this.audit.close();
    })();
    return this.closing;
  }

  /** Decides, runs and records one submit. Never rejects: whatever happens, one record is appended. */
  private async submitLogged(
    raw: unknown,
    options: CheckedSubmitOptions,
    undo: UndoRequest | undefined,
    unknownReason: string | undefined,
    problem: string | undefined,
    refused?: Refusal,
    begun?: Started,
  ): Promise<ActionResult> {
    let outcome: { result: ActionResult; entry: AuditEntry; ran?: boolean } | undefined;
    try {
      outcome = await this.runToEntry(raw, options, undo, unknownReason, problem, refused, begun);
    } catch {
      outcome = undefined; // a kernel bug: settle records it
    }
    return this.settle(() => {
      if (outcome === undefined) throw new Error('internal kernel error');
      return outcome;
    });
  }

  /**
   * Appends the record of a finished submit (synchronously: its line reaches the OS before
   * this returns) and answers with its id. Never throws: a kernel bug in `build` is recorded
   * as an internal error; a failed write poisons the log and is answered as `Kernel.AuditFailed` —
   * with the action's own status and data when its provider ran (its effect may have happened).
   */
  private settle(build: () => { result: ActionResult; entry: AuditEntry; ran?: boolean }): ActionResult {
    let result: ActionResult;
    let entry: AuditEntry;
    let ran = false;
    try {
      ({ result, entry, ran = false } = build());
    } catch {
      // Only a kernel bug gets here; it is still recorded (nothing identifiable about the request).
      result = { status: 'ERROR', error: 'internal kernel error', code: KernelCode.Internal };
      entry = fallbackEntry(this.gate.hash);
    }
    try {
      const record = this.audit.appendSync(entry);
      // Read before the observer sees the record: it is given a frozen copy, but is not trusted to leave it alone.
      const hash = record.hash;
      if (this.observe !== undefined) {
        try {
          this.observe(frozenCopy(record));
        } catch {
          /* an observer never changes an outcome */
        }
      }
      // `result` is fresh (outcomeToResult, or the literal above): extended, not copied.
      (result as { auditRecordId?: string }).auditRecordId = hash;
      return result;
    } catch (err) {
      // An entry the format cannot hold (a kernel bug) still leaves a record; a failed write poisons the log.
      if (this.audit.broken === undefined && !this.audit.closedForWrites) {
        try {
          const record = this.audit.appendSync(fallbackEntry(this.gate.hash));
          return { status: 'ERROR', error: 'internal kernel error', code: KernelCode.Internal, auditRecordId: record.hash };
        } catch {
          // the fallback could not be written either: answered below
        }
      }
      const failure =
        hasErrorCode(err, 'Kernel.AuditFailed') && this.audit.broken !== undefined
          ? (err as AuditWriteError)
          : new AuditWriteError(this.audit.file ?? '<memory>', { cause: err });
      // The provider ran: its effect may have happened, so the answer keeps what it did (status, data)
      // and says the record is missing — never a plain ERROR that reads as "nothing ran".
      return ran ? unrecorded(result, failure) : refusal(failure);
    }
  }

  /** Appends an egress connection's record (runEgress) and tells the observer. */
  private async appendObserved(entry: AuditEntry): Promise<AuditRecord> {
    const record = await this.audit.append(entry);
    if (this.observe !== undefined) {
      try {
        this.observe(frozenCopy(record));
      } catch {
        /* an observer never changes an outcome */
      }
    }
    return record;
  }

  private async runToEntry(
    raw: unknown,
    options: CheckedSubmitOptions,
    undo: UndoRequest | undefined,
    unknownReason: string | undefined,
    problem: string | undefined,
    refused: Refusal | undefined,
    begun: Started | undefined,
  ): Promise<{ result: ActionResult; entry: AuditEntry; ran: boolean }> {
    const started: Started = begun ?? { at: performance.now(), trace: { raw }, gate: this.gate, first: undefined };
    const { trace, gate } = started;
    let outcome: Outcome;
    let deadline: Deadline | undefined;
    let unwatch: (() => void) | undefined;
    let given: GivenHistory | undefined;
    // One policy per submit: a reload in between cannot split the decision from its record's hash.
    try {
      deadline = new Deadline(describeAction(raw), this.timeoutMs, options.signal);
      // The freeze also stops an action that is running (never an undo, which stays possible while frozen).
      if (this.freezeWatch !== undefined && undo === undefined) unwatch = this.freezeWatch.watch(deadline, describeAction(raw));
      given = gate.tracksHistory && options.history !== undefined ? new GivenHistory(options.history) : undefined;
      const history = gate.tracksHistory ? (given ?? this.session) : undefined;
      const egress: EgressHook = (request, open, discard) =>
        runEgress(request, open, discard, {
          gate,
          append: (e) => this.appendObserved(e),
          execId: () => (trace.execId ??= randomUUID()),
          ...(history ? { history } : {}),
        });
      const deps = { providers: this.providers, gate, approve: this.approve, deadline, egress, ...(history ? { history } : {}) };
      outcome =
        refused !== undefined
          ? runRefused(raw, refused, trace)
          : unknownReason !== undefined
            ? await runUnknown(raw, unknownReason, problem, trace, deps)
            : undo === undefined
              ? await runPipeline(raw, options, problem, trace, deps, started.first)
              : await runUndo(undo, problem, trace, deps);
    } catch (err) {
      outcome = { kind: 'error', error: err };
    } finally {
      unwatch?.();
      deadline?.dispose();
    }
    return { ...this.entryOf(outcome, started, options, given), ran: trace.ran === true };
  }

  /** The result and audit entry of an outcome. Throws only on a kernel bug. */
  private entryOf(outcome: Outcome, started: Started, options: CheckedSubmitOptions, given?: GivenHistory): { result: ActionResult; entry: AuditEntry } {
    const { trace, gate } = started;
    const added = given?.added();
    const result = added === undefined ? outcomeToResult(outcome, trace) : { ...outcomeToResult(outcome, trace), history: added };
    const entry = toEntry(result, trace, {
      durationMs: performance.now() - started.at,
      policyHash: gate.hash,
      idempotencyKey: options.idempotencyKey,
      paramsHash: trace.request !== undefined ? hashParams(trace.request.params) : hashRawParams(trace.raw),
    });
    return { result, entry };
  }
}

/** A submit's state from its synchronous start (kernel.submit) on. */
interface Started {
  /** `performance.now()` when it began. */
  readonly at: number;
  readonly trace: Trace;
  /** The policy it is decided and recorded under. */
  readonly gate: PolicyGate;
  /** What the synchronous start left (undefined: it did not run; the pipeline starts from the request). */
  first: Outcome | Continuation | undefined;
}

function unknownReasonOf(options: unknown): string {
  try {
    const reason = (options as { reason?: unknown } | null | undefined)?.reason;
    return typeof reason === 'string' ? reason.slice(0, 1024) : 'outcome unknown';
  } catch {
    return 'outcome unknown';
  }
}

/** The record of a submit the kernel could not describe (a kernel bug). */
function fallbackEntry(policyHash: string): AuditEntry {
  return {
    timestamp: new Date().toISOString(),
    action: '<unreadable>',
    target: '<unreadable>',
    status: 'ERROR',
    error: 'internal kernel error',
    code: KernelCode.Internal,
    duration_ms: 0,
    policy_hash: policyHash,
    params_hash: 'unhashable',
  };
}

/** `{ action, target }` of an undo, read once and never throwing. */
function undoTarget(undo: unknown): unknown {
  try {
    const u = undo as { action?: unknown; target?: unknown } | null | undefined;
    return { action: u?.action, target: u?.target };
  } catch {
    return undefined;
  }
}

function refusal(err: KernelClosedError | AuditWriteError): ActionResult {
  return { status: 'ERROR', error: err.message, code: err.code };
}

/** The answer of a submit whose provider ran but whose record could not be written: what it did, and that its record is missing. */
function unrecorded(result: ActionResult, err: AuditWriteError): ActionResult {
  const was = `${result.status}${typeof result.code === 'string' ? ` ${result.code}` : ''}`;
  return { ...result, error: `the action ran (${was}), but its record is missing: ${err.message}`, code: err.code };
}

function describeAction(raw: unknown): string {
  try {
    const action = types.isProxy(raw) ? undefined : (raw as { action?: unknown } | null)?.action;
    return typeof action === 'string' ? action.slice(0, 128) : '<malformed>';
  } catch {
    return '<malformed>';
  }
}

/** params_hash of a request that did not validate: its params if they can be read and hashed. */
function hashRawParams(raw: unknown): string {
  try {
    if (types.isProxy(raw)) return 'unhashable';
    const params = typeof raw === 'object' && raw !== null ? (raw as { params?: unknown }).params : undefined;
    return types.isProxy(params) ? 'unhashable' : hashParams(params);
  } catch {
    return 'unhashable';
  }
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
