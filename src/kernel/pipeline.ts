/**
 * The stages of one submit, as a function from a raw request to an {@link Outcome}. Each
 * stage either hands on or ends the pipeline; `trace` remembers how far it got, so the
 * kernel can write the audit record whatever happened. Nothing here writes the log.
 */
import { types } from 'node:util';
import { AgentOsError } from '../errors';
import { Effect, NetworkGrant, type CanonicalRequest, type Decision } from '../policy/types';
import { hashParams, type AuditEntry } from './audit-record';
import type { Deadline } from './deadline';
import { FsCode } from '../providers/fs-errors';
import { PolicyCode } from '../policy/errors';
import { HookFailedError, KernelCode, MalformedRequestError, NoProviderError, PolicyEvaluationError, ProviderFailedError } from './errors';
import { readBeforeEffect } from './before-effect';
import { issueGrant } from './grant';
import { frozenCopy } from './frozen-copy';
import { judgedRequest, type PolicyGate } from './policy-gate';
import { createdFileOf, unpackOutput } from './provider-output';
import { describeRaw, validateRequest } from './request';
import type { CheckedSubmitOptions } from './submit-options';
import { NEEDS_ASYNC, type ActionRequest, type ActionResult, type EgressHook, type Provider, type ResolvedRequest } from './types';
import type { HistorySink } from './run-history';
import { isCreated } from '../workflows/run-history-state';

/**
 * Codes of DENIED results from the kernel and the built-in providers: why the action did
 * not run. Not closed: a provider's `resolve()` refuses a target by throwing a typed error,
 * and the DENIED result then carries that error's code — a custom provider's own code too.
 */
export const DenialCode = {
  /** The policy denied it (a deny rule, or no capability: default deny). */
  Policy: PolicyCode.Denied,
  /** An `ask` rule matched and no `approve` callback is configured. */
  ApprovalRequired: KernelCode.ApprovalRequired,
  /** The `approve` callback said no (or threw). */
  ApprovalRefused: KernelCode.ApprovalRefused,
  /** No provider serves the action: default deny, as the original library answers. */
  NoProvider: KernelCode.NoProvider,
  /** An undo not covered by the decision it claims as authority. */
  UndoNotAuthorised: KernelCode.UndoNotAuthorised,
  /** The target cannot be judged (relative path, NUL, userinfo, …): refused by `resolve()`. */
  InvalidTarget: PolicyCode.InvalidTarget,
  /** The filesystem target resolves outside every mount: refused by `resolve()`. */
  Escape: FsCode.Escape,
  /** Not what the caller decided (and a person approved) before: `SubmitOptions.decided`. */
  DecisionChanged: KernelCode.DecisionChanged,
} as const;
export type DenialCode = (typeof DenialCode)[keyof typeof DenialCode];

/** How a submit ended, before it becomes an ActionResult. */
export type Outcome =
  | { readonly kind: 'ok'; readonly data: unknown; readonly meta?: Readonly<Record<string, unknown>> }
  | { readonly kind: 'denied'; readonly code: string; readonly reason: string }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'unknown'; readonly reason: string };

/** How far a submit got; filled in by the stages. */
export interface Trace {
  readonly raw: unknown;
  request?: ActionRequest & { readonly params: Readonly<Record<string, unknown>> };
  canonicalTarget?: string;
  decision?: Decision;
  approval?: { readonly approver: string; readonly reason?: string; readonly identity?: string };
  /** Set by `Kernel.submitUndo`: the record whose action this submit undoes. */
  undoOf?: string;
  /** Set by `Kernel.submitUndo`: the audit hash of the action it undoes. */
  undoOfHash?: string;
  /** Who Temporal says decided an approval (for refusals recorded by `Kernel.recordRefusal`). */
  approvalIdentity?: string;
  /** Set on the first egress connection of the execution: the run's `exec_id`. */
  execId?: string;
  /** The failed provider's `auditMessage` (errors.ts): the record's `error` instead of the agent's message. */
  auditError?: string;
  /** Set when the provider's `execute` (or an undo's `run`) was called: from then on its effect may have happened. */
  ran?: true;
}

/** A refusal recorded by `Kernel.recordRefusal`: decided before the gate, nothing runs. */
export interface Refusal {
  readonly status: 'DENIED' | 'ERROR';
  /** Stable dotted code, e.g. `Tool.UnknownTool`, `Fs.Escape`, `Budget.MaxToolCalls`. */
  readonly code: string;
  readonly reason: string;
  /** For refused approvals: who Temporal says made the refusing call. */
  readonly approvalIdentity?: string;
}

/** Records a refusal: the request as given (validated when it can be), no resolve, no decision. */
export function runRefused(raw: unknown, refusal: Refusal, trace: Trace): Outcome {
  try {
    trace.request = validateRequest(raw);
  } catch {
    // recorded as given (describeRaw)
  }
  if (typeof refusal.approvalIdentity === 'string') trace.approvalIdentity = refusal.approvalIdentity;
  const code = typeof refusal.code === 'string' && /^[A-Z]\w*\.\w/.test(refusal.code) ? refusal.code : KernelCode.Refused;
  const reason = typeof refusal.reason === 'string' ? refusal.reason : 'refused';
  if (refusal.status === 'DENIED') return { kind: 'denied', code, reason };
  return { kind: 'error', error: Object.assign(new Error(reason), { code }) };
}

/** What the pipeline needs from the kernel. */
export interface PipelineDeps {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly gate: PolicyGate;
  readonly approve: ((request: ResolvedRequest, decision: Decision) => Promise<boolean>) | undefined;
  readonly deadline: Deadline;
  /** The kernel's egress hook for this submit (handed to the provider in its context). */
  readonly egress?: EgressHook;
  /** The run state of history-aware rules; only read when the gate has such rules. */
  readonly history?: HistorySink;
}

/** What the pipeline needs to start: no deadline yet (nothing it runs can be waited for). */
export type StartDeps = Pick<PipelineDeps, 'providers' | 'gate' | 'history'>;

/**
 * Where the synchronous start of a submit stopped, when it did not end it: the target still
 * needs an asynchronous `resolve` (a provider without `resolveSync`), or the request was
 * allowed (or needs approval) and runs on.
 */
export type Continuation =
  { readonly kind: 'resolve'; readonly request: NonNullable<Trace['request']> } | { readonly kind: 'decided'; readonly decided: Decided };

/** A request its provider resolved and the policy did not deny. */
interface Decided {
  readonly request: NonNullable<Trace['request']>;
  readonly provider: Provider;
  readonly resolved: ResolvedRequest;
  readonly params: Readonly<Record<string, unknown>>;
  readonly decision: Decision;
  readonly constraint: Readonly<Record<string, unknown>>;
}

/** True for an {@link Outcome}, false for a {@link Continuation}. */
export function isOutcome(step: Outcome | Continuation): step is Outcome {
  return step.kind !== 'resolve' && step.kind !== 'decided';
}

/**
 * The synchronous start of a submit: validate, find the provider, resolve the target with
 * the provider's `resolveSync` when it has one, and decide. A denial (or a refused request)
 * ends here as an {@link Outcome} — the kernel records it without a single `await`;
 * otherwise the rest runs in {@link runPipeline}. Throws only on a kernel bug.
 */
export function startPipeline(raw: unknown, problem: string | undefined, trace: Trace, deps: StartDeps): Outcome | Continuation {
  let request: NonNullable<Trace['request']>;
  try {
    request = validateRequest(raw);
    trace.request = request;
    if (problem !== undefined) throw new MalformedRequestError(problem);
  } catch (error) {
    return { kind: 'error', error };
  }
  const provider = deps.providers.get(request.action);
  if (provider === undefined) return { kind: 'denied', code: DenialCode.NoProvider, reason: new NoProviderError(request.action).message };
  if (typeof provider.resolveSync !== 'function') return { kind: 'resolve', request };
  let resolved: ResolvedRequest;
  try {
    resolved = provider.resolveSync(request);
  } catch (error) {
    if (isTyped(error) && !isDeadline(error)) return { kind: 'denied', code: error.code, reason: error.message };
    return { kind: 'error', error: asProviderError(provider, error) };
  }
  const checked = acceptResolved(provider, request, resolved, trace);
  return 'kind' in checked ? checked : decideStage(request, checked, trace, deps);
}

/** The policy's decision on a resolved request: an Outcome for a denial, else the request decided. */
function decideStage(request: NonNullable<Trace['request']>, located: Located, trace: Trace, deps: StartDeps): Outcome | Continuation {
  const { provider, resolved } = located;
  const params = resolved.params ?? request.params;
  let decision: Decision;
  let constraint: Readonly<Record<string, unknown>>;
  try {
    ({ decision, constraint } = deps.gate.decide(judgedRequest(request.action, resolved, params), deps.history?.get()));
  } catch (cause) {
    return { kind: 'error', error: new PolicyEvaluationError({ cause }) };
  }
  trace.decision = decision;
  if (decision.effect === Effect.Deny) return { kind: 'denied', code: DenialCode.Policy, reason: decision.reason };
  if (decision.effect !== Effect.Ask && decision.effect !== Effect.Allow) {
    return { kind: 'denied', code: DenialCode.Policy, reason: `unknown effect ${String(decision.effect)}` };
  }
  return { kind: 'decided', decided: { request, provider, resolved, params, decision, constraint } };
}

/**
 * Runs the stages (after {@link startPipeline}, whose result `started` is, when given).
 * `options` were checked by `readSubmitOptions`; a `problem` found there refuses the submit
 * (after the request itself was read, so its record names the action).
 * Throws only on a kernel bug (the caller records that as an error).
 */
export async function runPipeline(
  raw: unknown,
  options: CheckedSubmitOptions,
  problem: string | undefined,
  trace: Trace,
  deps: PipelineDeps,
  started: Outcome | Continuation = startPipeline(raw, problem, trace, deps),
): Promise<Outcome> {
  const { deadline } = deps;
  let step: Outcome | Continuation = started;
  if (step.kind === 'resolve') {
    const located = await resolveStage(step.request, trace, deps);
    step = 'kind' in located ? located : decideStage(step.request, located, trace, deps);
  }
  if (step.kind !== 'decided') return step as Outcome;
  const { request, provider, resolved, params, decision } = step.decided;
  let { constraint } = step.decided;
  const changed = options.decided === undefined ? undefined : decisionChange(options.decided, resolved.canonicalTarget, decision, params);
  if (changed !== undefined) return { kind: 'denied', code: DenialCode.DecisionChanged, reason: changed };
  if (decision.effect === Effect.Ask) {
    if (options.approval !== undefined) {
      trace.approval = options.approval;
    } else if (deps.approve === undefined) {
      return { kind: 'denied', code: DenialCode.ApprovalRequired, reason: 'requires approval' };
    } else {
      // Copies: what the approver does to what it is shown never reaches the provider or the record.
      const shown = frozenCopy({ request: { ...resolved, params }, decision });
      const approved = await call(() => deps.approve?.(shown.request, shown.decision)).catch(() => 'failed' as const);
      if (approved === 'failed') return { kind: 'denied', code: DenialCode.ApprovalRefused, reason: 'approval failed' };
      if (approved !== true) return { kind: 'denied', code: DenialCode.ApprovalRefused, reason: 'approval refused' };
      // A person may take long: a freeze (the emergency stop) set meanwhile still stops the action.
      const frozen = deps.gate.frozen(resolved.canonicalTarget);
      if (frozen !== undefined) {
        trace.decision = frozen;
        return { kind: 'denied', code: DenialCode.Policy, reason: frozen.reason };
      }
    }
  }

  // Fired already (a caller's signal aborted before the submit, or during an approval): nothing
  // runs, so nothing is used up either (a `max_calls` call, a single-use grant).
  if (deadline.fired !== undefined) return { kind: 'error', error: deadline.fired };
  const judged = judgedRequest(request.action, resolved, params);
  if (deps.gate.tracksHistory && deps.history !== undefined) {
    // Judged again against the state as it is now (a concurrent submit may have used the
    // last call meanwhile) and recorded before the provider runs: no await in between.
    let again;
    try {
      again = deps.gate.decide(judged, deps.history.get());
    } catch (cause) {
      return { kind: 'error', error: new PolicyEvaluationError({ cause }) };
    }
    if (again.decision.effect === Effect.Deny || (again.decision.effect === Effect.Ask && decision.effect === Effect.Allow)) {
      trace.decision = again.decision;
      return { kind: 'denied', code: DenialCode.Policy, reason: again.decision.reason };
    }
    constraint = again.constraint;
    const used = deps.gate.historyEffects(again.decision, { request: judged, approved: decision.effect === Effect.Ask });
    if (used !== undefined) deps.history.commit(used);
  }
  let beforeEffect: Promise<void> | undefined;
  const providerWaits = provider.awaitsBeforeEffect === true;
  if (options.beforeExecute !== undefined) {
    const hook = options.beforeExecute;
    try {
      const answer = await deadline.race(call(() => hook({ request: { ...resolved, params }, decision, provider, signal: deadline.signal })));
      beforeEffect = readBeforeEffect(answer, isTyped);
      // A provider that does not wait for it itself runs only once it is durable.
      if (beforeEffect !== undefined && !providerWaits) await deadline.race(beforeEffect);
    } catch (error) {
      return { kind: 'error', error: isTyped(error) ? error : new HookFailedError(error instanceof Error ? error.name : typeof error, { cause: error }) };
    }
  }

  const context = issueGrant({
    decision,
    constraint,
    // Read when the provider looks at it: an AbortController costs more than a whole denial, and
    // a provider that never waits on it (the filesystem's) need not have one. Fires as before.
    get signal() {
      return deadline.signal;
    },
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    // Only a rule that grants network hands the provider the egress hook.
    ...(deps.egress !== undefined && constraint['network'] === NetworkGrant.Proxy ? { egress: deps.egress } : {}),
    ...(beforeEffect !== undefined && providerWaits ? { beforeEffect: raceBeforeEffect(deadline, beforeEffect) } : {}),
  });
  // Fired meanwhile (during the hook): the provider is never called.
  if (deadline.fired !== undefined) return { kind: 'error', error: deadline.fired };
  try {
    trace.ran = true;
    const output = await deadline.race(call(() => provider.execute({ ...resolved, params }, context)));
    const unpacked = unpackOutput(output);
    if (deps.gate.tracksHistory && deps.history !== undefined) recordChange(deps, decision, judged, unpacked.data);
    return { kind: 'ok', ...unpacked };
  } catch (error) {
    return { kind: 'error', error: isTyped(error) ? error : asProviderError(provider, error) };
  }
}

/**
 * The rest of a decided submit without an `await`, when nothing around the provider's call
 * must be awaited and its provider can finish synchronously ({@link Provider.executeSync}):
 * an `allow` (no approval), no `beforeExecute` hook, no history-aware rules (the kernel's
 * synchronous start already excludes them), no egress. `undefined` when it does not apply
 * or the provider answered {@link NEEDS_ASYNC} (nothing ran): then {@link runPipeline}
 * runs the step as usual. No deadline: a synchronous call cannot be interrupted, and the
 * context's `signal` is the caller's (or one that never fires).
 */
export function runSync(step: Continuation, options: CheckedSubmitOptions, trace: Trace): Outcome | undefined {
  if (step.kind !== 'decided') return undefined;
  const { provider, resolved, params, decision, constraint } = step.decided;
  const executeSync = provider.executeSync;
  if (typeof executeSync !== 'function' || decision.effect !== Effect.Allow || options.beforeExecute !== undefined) return undefined;
  if (constraint['network'] === NetworkGrant.Proxy) return undefined;
  const changed = options.decided === undefined ? undefined : decisionChange(options.decided, resolved.canonicalTarget, decision, params);
  if (changed !== undefined) return { kind: 'denied', code: DenialCode.DecisionChanged, reason: changed };
  const context = issueGrant({
    decision,
    constraint,
    signal: options.signal ?? NEVER_ABORTED,
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
  });
  trace.ran = true;
  let output: unknown;
  try {
    output = executeSync.call(provider, { ...resolved, params }, context);
  } catch (error) {
    return { kind: 'error', error: isTyped(error) ? error : asProviderError(provider, error) };
  }
  if (output === NEEDS_ASYNC) {
    delete trace.ran; // it changed nothing: the asynchronous path calls `execute`
    return undefined;
  }
  if (isThenable(output)) {
    // Not what executeSync may answer: its work goes on unawaited, so what it did is not known
    // here. Recorded as the provider's failure (never OK with a promise as data); never unhandled.
    try {
      output.then(undefined, () => undefined);
    } catch {
      // a thenable whose `then` throws: nothing is pending on it
    }
    return { kind: 'error', error: new ProviderFailedError(provider.name, 'executeSync() returned a promise') };
  }
  return { kind: 'ok', ...unpackOutput(output) };
}

/** A promise, native or not (an object or function with a callable `then`); never throws (a getter that throws: not one). */
function isThenable(value: unknown): value is { then: (ok: unknown, fail: (err: unknown) => unknown) => unknown } {
  if (types.isPromise(value)) return true;
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
  try {
    return !types.isProxy(value) && typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** The `signal` of a synchronous execution without a caller's signal: nothing can fire during it. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Why the decision at use time (allow or ask, on `target` with the judged `params`) is not the
 * one decided before the submit, or undefined when it is: the same canonical target, not a
 * former `deny`, and for a former `ask` (what a person approved) the same judged params.
 */
function decisionChange(before: NonNullable<CheckedSubmitOptions['decided']>, target: string, now: Decision, params: unknown): string | undefined {
  if (before.target !== undefined && before.target !== target) {
    return `the target now resolves to ${target}, not ${before.target} as decided${before.effect === 'ask' ? ' and approved' : ''} (a link in its path changed); nothing ran`;
  }
  if (before.effect === 'deny') return `the request was decided deny, and is now ${now.effect} (${now.reason}); nothing ran`;
  if (before.effect === 'ask' && before.paramsHash !== undefined && hashParams(params) !== before.paramsHash) {
    return `the request is now judged with other params than those decided and approved (e.g. its working folder is a link that was re-pointed); nothing ran`;
  }
  return undefined;
}

/**
 * The `beforeEffect` a provider waits for itself, raced against the deadline: a submit that
 * timed out or was aborted while the provider waited is answered `ERROR` at once, so the
 * provider must then change nothing — not go on once the hook's write is durable. Never
 * unhandled (a provider may fail before waiting for it).
 */
function raceBeforeEffect(deadline: Deadline, beforeEffect: Promise<void>): Promise<void> {
  const gate = deadline.race(beforeEffect);
  gate.catch(() => undefined);
  return gate;
}

/**
 * Records a target an fs.write created or an fs.delete removed (for `created_by_run`), bound
 * to the file the write left there when its provider reports it — also when the run writes a
 * target it created again (a write makes a new file: the entry follows it).
 */
function recordChange(deps: PipelineDeps, decision: Decision, request: CanonicalRequest, data: unknown): void {
  const file = request.action === 'fs.write' ? createdFileOf(data) : undefined;
  const created =
    request.action === 'fs.write' &&
    ((data as { created?: unknown } | null)?.created === true ||
      (file !== undefined && deps.history !== undefined && isCreated(deps.history.get(), request.target)));
  const deleted = request.action === 'fs.delete';
  if (!created && !deleted) return;
  const change = deps.gate.historyEffects(decision, { request, approved: false, created, deleted, ...(file === undefined ? {} : { file }) });
  const { calls: _calls, granted: _granted, ...targets } = change ?? {};
  if (targets.created !== undefined || targets.removed !== undefined) deps.history?.commit(targets);
}

/** A provider and the target it resolved. */
interface Located {
  readonly provider: Provider;
  readonly resolved: ResolvedRequest;
}

/**
 * The stage submits and undos share: find the provider and let it resolve the canonical
 * target (a typed refusal is a denial; anything else a provider failure).
 */
export async function resolveStage(request: NonNullable<Trace['request']>, trace: Trace, deps: PipelineDeps): Promise<Located | Outcome> {
  trace.request = request;
  const provider = deps.providers.get(request.action);
  if (provider === undefined) return { kind: 'denied', code: DenialCode.NoProvider, reason: new NoProviderError(request.action).message };
  let resolved: ResolvedRequest;
  try {
    resolved = await deps.deadline.race(call(() => provider.resolve(request)));
  } catch (error) {
    if (isTyped(error) && !isDeadline(error)) return { kind: 'denied', code: error.code, reason: error.message };
    return { kind: 'error', error: asProviderError(provider, error) };
  }
  return acceptResolved(provider, request, resolved, trace);
}

/** Checks what `resolve` returned: the same action and a canonical target. */
function acceptResolved(provider: Provider, request: ActionRequest, resolved: ResolvedRequest, trace: Trace): Located | Outcome {
  if (resolved?.action !== request.action || typeof resolved.canonicalTarget !== 'string' || resolved.canonicalTarget === '') {
    return { kind: 'error', error: new ProviderFailedError(provider.name, 'resolve() returned no canonical target for this action') };
  }
  trace.canonicalTarget = resolved.canonicalTarget;
  return { provider, resolved };
}

/**
 * The agent-facing result of an outcome: a fresh object the caller may extend (the kernel adds
 * `auditRecordId`). Built by assignment in a fixed key order, never by spreading: objects built
 * from spreads of spreads fall off V8's fast paths, and this runs once per submit.
 */
export function outcomeToResult(outcome: Outcome, trace: Trace): ActionResult {
  const decision = trace.decision;
  let result: Record<string, unknown>;
  switch (outcome.kind) {
    case 'ok':
      result = { status: 'OK', data: outcome.data };
      if (outcome.meta !== undefined) result['meta'] = outcome.meta;
      explain(result, trace, decision);
      if (decision) result['reason'] = decision.reason;
      return result as unknown as ActionResult;
    case 'denied':
      result = {
        status: 'DENIED',
        error: 'not permitted',
        code: typeof outcome.code === 'string' ? outcome.code : DenialCode.Policy,
        reason: typeof outcome.reason === 'string' ? outcome.reason : 'denied',
      };
      break;
    case 'error': {
      // Read once each and type-checked: a provider's error object is not trusted to be stable.
      const typed = isTyped(outcome.error);
      const message: unknown = typed ? (outcome.error as Error).message : undefined;
      const code: unknown = typed ? (outcome.error as { code: unknown }).code : undefined;
      const audit: unknown = typed ? (outcome.error as { auditMessage?: unknown }).auditMessage : undefined;
      if (typeof audit === 'string' && typeof message === 'string' && typeof code === 'string') trace.auditError = audit;
      result =
        typeof message === 'string' && typeof code === 'string'
          ? { status: 'ERROR', error: message, code }
          : { status: 'ERROR', error: 'internal kernel error', code: KernelCode.Internal };
      break;
    }
    case 'unknown':
      result = { status: 'UNKNOWN', error: outcome.reason, code: KernelCode.OutcomeUnknown };
      break;
  }
  explain(result, trace, decision);
  return result as unknown as ActionResult;
}

/** Adds `target` (the canonical target) and `ruleId` (the deciding rule) when known. */
function explain(result: Record<string, unknown>, trace: Trace, decision: Decision | undefined): void {
  if (trace.canonicalTarget !== undefined) result['target'] = trace.canonicalTarget;
  if (decision?.ruleId !== undefined) result['ruleId'] = decision.ruleId;
}

/**
 * Records an at-most-once action whose outcome is unknown (an earlier attempt may have run
 * it): validate and resolve for the record, decide and execute nothing.
 */
export async function runUnknown(raw: unknown, reason: string, problem: string | undefined, trace: Trace, deps: PipelineDeps): Promise<Outcome> {
  let request: NonNullable<Trace['request']>;
  try {
    request = validateRequest(raw);
    trace.request = request;
    if (problem !== undefined) throw new MalformedRequestError(problem);
  } catch (error) {
    return { kind: 'error', error };
  }
  await resolveStage(request, trace, deps);
  return { kind: 'unknown', reason };
}

/** The audit entry of a finished submit: no params, no data — only their hash and the verdict. */
export function toEntry(
  result: ActionResult,
  trace: Trace,
  extra: { durationMs: number; policyHash: string; idempotencyKey: string | undefined; paramsHash: string },
): AuditEntry {
  const given = trace.request ?? describeRaw(trace.raw);
  const entry: Record<string, unknown> = { timestamp: isoNow(), action: given.action, target: given.target };
  // Only strings reach the record: a provider's error may answer differently on a second read.
  if (typeof trace.canonicalTarget === 'string') entry['canonical_target'] = trace.canonicalTarget;
  entry['status'] = result.status;
  // A message quoting foreign text is logged as its provider worded it for the log (auditMessage).
  const error = trace.auditError ?? result.error;
  if (typeof error === 'string') entry['error'] = error;
  if (typeof result.code === 'string') entry['code'] = result.code;
  if (typeof result.ruleId === 'string') entry['rule_id'] = result.ruleId;
  if (typeof result.reason === 'string') entry['reason'] = result.reason;
  entry['duration_ms'] = Math.round(extra.durationMs * 1000) / 1000;
  entry['policy_hash'] = extra.policyHash;
  if (typeof extra.idempotencyKey === 'string') entry['idempotency_key'] = extra.idempotencyKey.slice(0, 256);
  entry['params_hash'] = extra.paramsHash;
  if (trace.approval !== undefined) entry['approved_by'] = trace.approval.approver.slice(0, 256);
  const identity = trace.approval?.identity ?? trace.approvalIdentity;
  if (typeof identity === 'string') entry['approval_identity'] = identity.slice(0, 256);
  if (trace.undoOf !== undefined) entry['undo_of'] = trace.undoOf.slice(0, 256);
  if (trace.undoOfHash !== undefined) entry['undo_of_hash'] = trace.undoOfHash.slice(0, 256);
  if (trace.execId !== undefined) entry['exec_id'] = trace.execId;
  return entry as unknown as AuditEntry;
}

let isoMs = NaN;
let isoText = '';

/** `new Date().toISOString()`, formatted once per millisecond. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/** Calls `fn`, turning a synchronous throw into a rejection. */
export function call<T>(fn: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** True for our typed errors and for errors carrying a dotted `code`. */
export function isTyped(err: unknown): err is Error & { code: string } {
  try {
    if (types.isProxy(err)) return false;
    if (err instanceof AgentOsError) return true;
    if (!(err instanceof Error)) return false;
    const code: unknown = (err as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z]\w*\.\w/.test(code) && typeof err.message === 'string';
  } catch {
    return false; // a throwing getter: treat as a foreign error
  }
}

/** True for the deadline's own errors (timeout, caller abort, the freeze stopping a running action). */
export function isDeadline(err: unknown): boolean {
  const code = isTyped(err) ? err.code : undefined;
  return code === KernelCode.Timeout || code === KernelCode.Aborted || code === KernelCode.Frozen;
}

/** Wraps a foreign error, keeping only its class name and system code (its message may hold host paths). */
export function asProviderError(provider: Provider, err: unknown): Error {
  if (isTyped(err)) return err;
  let what: string = typeof err;
  try {
    if (!types.isProxy(err)) {
      const name = err instanceof Error && typeof err.name === 'string' ? err.name.slice(0, 64) : typeof err;
      const sys = (err as { code?: unknown } | null)?.code;
      what = typeof sys === 'string' ? `${name} (${sys.slice(0, 64)})` : name;
    }
  } catch {
    // a throwing getter: describe it by its type only
  }
  return new ProviderFailedError(provider.name, what, { cause: err });
}
