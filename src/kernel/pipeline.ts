/**
 * The stages of one submit, as a function from a raw request to an {@link Outcome}. Each
 * stage either hands on or ends the pipeline; `trace` remembers how far it got, so the
 * kernel can write the audit record whatever happened. Nothing here writes the log.
 */
import { AgentOsError } from '../errors';
import { Effect, type Decision } from '../policy/types';
import type { AuditEntry } from './audit-record';
import type { Deadline } from './deadline';
import { FsCode } from '../providers/fs-errors';
import { PolicyCode } from '../policy/errors';
import { HookFailedError, KernelCode, MalformedRequestError, NoProviderError, PolicyEvaluationError, ProviderFailedError } from './errors';
import { issueGrant } from './grant';
import type { PolicyGate } from './policy-gate';
import { unpackOutput } from './provider-output';
import { describeRaw, validateRequest } from './request';
import type { ActionRequest, ActionResult, Provider, ResolvedRequest, SubmitOptions } from './types';

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
  /** An undo not covered by the decision it claims as authority. */
  UndoNotAuthorised: KernelCode.UndoNotAuthorised,
  /** The target cannot be judged (relative path, NUL, userinfo, …): refused by `resolve()`. */
  InvalidTarget: PolicyCode.InvalidTarget,
  /** The filesystem target resolves outside every mount: refused by `resolve()`. */
  Escape: FsCode.Escape,
} as const;
/** A DENIED result's code: one of {@link DenialCode}, or a custom provider's own refusal code. */
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
  /** Who Temporal says decided an approval (for refusals recorded by `Kernel.recordRefusal`). */
  approvalIdentity?: string;
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
  if (refusal.approvalIdentity !== undefined) trace.approvalIdentity = refusal.approvalIdentity;
  const code = /^[A-Z]\w*\.\w/.test(refusal.code) ? refusal.code : 'Kernel.Refused';
  if (refusal.status === 'DENIED') return { kind: 'denied', code, reason: refusal.reason };
  return { kind: 'error', error: Object.assign(new Error(refusal.reason), { code }) };
}

/** What the pipeline needs from the kernel. */
export interface PipelineDeps {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly gate: PolicyGate;
  readonly approve: ((request: ResolvedRequest, decision: Decision) => Promise<boolean>) | undefined;
  readonly deadline: Deadline;
}

/** Runs the stages. Throws only on a kernel bug (the caller records that as an error). */
export async function runPipeline(raw: unknown, options: SubmitOptions, trace: Trace, deps: PipelineDeps): Promise<Outcome> {
  const { deadline } = deps;
  let request: NonNullable<Trace['request']>;
  try {
    request = validateRequest(raw);
    const key: unknown = options.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > 256)) {
      throw new MalformedRequestError('idempotencyKey must be a non-empty string of at most 256 characters');
    }
  } catch (error) {
    return { kind: 'error', error };
  }
  const located = await resolveStage(request, trace, deps);
  if ('kind' in located) return located;
  const { provider, resolved } = located;
  const params = resolved.params ?? request.params;

  let decision: Decision;
  let constraint: Readonly<Record<string, unknown>>;
  try {
    ({ decision, constraint } = deps.gate.decide({ action: request.action, target: resolved.canonicalTarget, params }));
  } catch (cause) {
    return { kind: 'error', error: new PolicyEvaluationError({ cause }) };
  }
  trace.decision = decision;
  if (decision.effect === Effect.Deny) return { kind: 'denied', code: DenialCode.Policy, reason: decision.reason };
  if (decision.effect === Effect.Ask) {
    if (options.approval !== undefined) {
      trace.approval = options.approval;
    } else if (deps.approve === undefined) {
      return { kind: 'denied', code: DenialCode.ApprovalRequired, reason: 'requires approval' };
    } else {
    const approved = await call(() => deps.approve?.(resolved, decision)).catch(() => 'failed' as const);
    if (approved === 'failed') return { kind: 'denied', code: DenialCode.ApprovalRefused, reason: 'approval failed' };
    if (approved !== true) return { kind: 'denied', code: DenialCode.ApprovalRefused, reason: 'approval refused' };
    }
  } else if (decision.effect !== Effect.Allow) {
    return { kind: 'denied', code: DenialCode.Policy, reason: `unknown effect ${String(decision.effect)}` };
  }

  if (options.beforeExecute !== undefined) {
    const hook = options.beforeExecute;
    try {
      await deadline.race(call(() => hook({ request: { ...resolved, params }, decision, provider, signal: deadline.signal })));
    } catch (error) {
      return { kind: 'error', error: isTyped(error) ? error : new HookFailedError(error instanceof Error ? error.name : typeof error, { cause: error }) };
    }
  }

  const context = issueGrant({
    decision,
    constraint,
    signal: deadline.signal,
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
  });
  try {
    const output = await deadline.race(call(() => provider.execute({ ...resolved, params }, context)));
    return { kind: 'ok', ...unpackOutput(output) };
  } catch (error) {
    return { kind: 'error', error: isTyped(error) ? error : asProviderError(provider, error) };
  }
}

/**
 * The stage submits and undos share: find the provider and let it resolve the canonical
 * target (a typed refusal is a denial; anything else a provider failure).
 */
export async function resolveStage(
  request: NonNullable<Trace['request']>,
  trace: Trace,
  deps: PipelineDeps,
): Promise<{ readonly provider: Provider; readonly resolved: ResolvedRequest } | Outcome> {
  trace.request = request;
  const provider = deps.providers.get(request.action);
  if (provider === undefined) return { kind: 'error', error: new NoProviderError(request.action) };
  let resolved: ResolvedRequest;
  try {
    resolved = await deps.deadline.race(call(() => provider.resolve(request)));
  } catch (error) {
    if (isTyped(error) && !isDeadline(error)) return { kind: 'denied', code: error.code, reason: error.message };
    return { kind: 'error', error: asProviderError(provider, error) };
  }
  if (resolved?.action !== request.action || typeof resolved.canonicalTarget !== 'string' || resolved.canonicalTarget === '') {
    return { kind: 'error', error: new ProviderFailedError(provider.name, 'resolve() returned no canonical target for this action') };
  }
  trace.canonicalTarget = resolved.canonicalTarget;
  return { provider, resolved };
}

/** The agent-facing result of an outcome. */
export function outcomeToResult(outcome: Outcome, trace: Trace): ActionResult {
  const decision = trace.decision;
  const explained = {
    ...(trace.canonicalTarget === undefined ? {} : { target: trace.canonicalTarget }),
    ...(decision?.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
  };
  switch (outcome.kind) {
    case 'ok':
      return { status: 'OK', data: outcome.data, ...(outcome.meta === undefined ? {} : { meta: outcome.meta }), ...explained, ...(decision ? { reason: decision.reason } : {}) };
    case 'denied':
      return { status: 'DENIED', error: 'not permitted', code: outcome.code, reason: outcome.reason, ...explained };
    case 'error': {
      const error = isTyped(outcome.error) ? outcome.error : { code: KernelCode.Internal, message: 'internal kernel error' };
      return { status: 'ERROR', error: error.message, code: error.code, ...explained };
    }
    case 'unknown':
      return { status: 'UNKNOWN', error: outcome.reason, code: KernelCode.OutcomeUnknown, ...explained };
  }
}

/**
 * Records an at-most-once action whose outcome is unknown (an earlier attempt may have run
 * it): validate and resolve for the record, decide and execute nothing.
 */
export async function runUnknown(raw: unknown, reason: string, trace: Trace, deps: PipelineDeps): Promise<Outcome> {
  let request: NonNullable<Trace['request']>;
  try {
    request = validateRequest(raw);
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
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), action: given.action, target: given.target };
  if (trace.canonicalTarget !== undefined) entry['canonical_target'] = trace.canonicalTarget;
  entry['status'] = result.status;
  if (result.error !== undefined) entry['error'] = result.error;
  if (result.code !== undefined) entry['code'] = result.code;
  if (result.ruleId !== undefined) entry['rule_id'] = result.ruleId;
  if (result.reason !== undefined) entry['reason'] = result.reason;
  entry['duration_ms'] = Math.round(extra.durationMs * 1000) / 1000;
  entry['policy_hash'] = extra.policyHash;
  if (typeof extra.idempotencyKey === 'string') entry['idempotency_key'] = extra.idempotencyKey.slice(0, 256);
  entry['params_hash'] = extra.paramsHash;
  if (trace.approval !== undefined) entry['approved_by'] = trace.approval.approver.slice(0, 256);
  const identity = trace.approval?.identity ?? trace.approvalIdentity;
  if (identity !== undefined) entry['approval_identity'] = identity.slice(0, 256);
  if (trace.undoOf !== undefined) entry['undo_of'] = trace.undoOf.slice(0, 256);
  return entry as unknown as AuditEntry;
}

/** Calls `fn`, turning a synchronous throw into a rejection. */
export function call<T>(fn: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** True for our typed errors and for errors carrying a dotted `code`. */
export function isTyped(err: unknown): err is Error & { code: string } {
  if (err instanceof AgentOsError) return true;
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && /^[A-Z]\w*\.\w/.test((err as unknown as { code: string }).code);
}

/** True for the deadline's own errors (timeout, caller abort). */
function isDeadline(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === KernelCode.Timeout || code === KernelCode.Aborted;
}

/** Wraps a foreign error, keeping only its class name and system code (its message may hold host paths). */
export function asProviderError(provider: Provider, err: unknown): Error {
  if (isTyped(err)) return err;
  const name = err instanceof Error ? err.name : typeof err;
  const sys = (err as { code?: unknown } | null)?.code;
  return new ProviderFailedError(provider.name, typeof sys === 'string' ? `${name} (${sys})` : name, { cause: err });
}
