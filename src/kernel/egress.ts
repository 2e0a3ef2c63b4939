/**
 * The kernel side of a program's egress proxy: each connection a sandboxed program asks for
 * is judged as a `net.http` request by the submit's own policy gate (ceiling, run layers,
 * freeze), opened only when allowed, and recorded — one audit record per connection, allowed
 * or not, linked to the program run by `exec_id`. The proxy itself (src/providers/egress)
 * decides nothing.
 */
import { Effect, type Decision } from '../policy/types';
import { canonicalizeRequest } from '../policy/canonical';
import type { AuditEntry, AuditRecord } from './audit-record';
import { hashParams } from './audit-record';
import { KernelCode, PolicyEvaluationError } from './errors';
import { isTyped } from './pipeline';
import type { PolicyGate } from './policy-gate';
import type { EgressGrant, EgressOutcome, EgressRequest } from './types';
import type { HistorySink } from './run-history';
import { PolicyCode } from '../policy/errors';

/** What {@link runEgress} needs from the kernel. */
export interface EgressDeps {
  /** The gate of the submit whose program asks (so a run's narrowing applies to its egress). */
  readonly gate: PolicyGate;
  /** Appends one entry to the audit log (and tells observers). */
  readonly append: (entry: AuditEntry) => Promise<AuditRecord>;
  /** The program run's id (`exec_id`), the same for all its connections and its own record. */
  readonly execId: () => string;
  /**
   * The run state of history-aware rules (the submit's, or the kernel session's for a
   * long-lived program): an allowed connection counts under its rule like a submit does.
   */
  readonly history?: HistorySink;
  /** For a long-lived program (not one submit): what it is, named in each record's reason. */
  readonly origin?: { readonly action: string; readonly target: string };
}

const TEXT_CAP = 2048;

/**
 * Decides, opens and records one connection (see `EgressHook` in types.ts). Never throws.
 */
export async function runEgress<T>(
  raw: EgressRequest,
  open: (grant: EgressGrant) => Promise<T>,
  discard: (value: T) => void,
  deps: EgressDeps,
): Promise<EgressOutcome<T>> {
  const started = performance.now();
  let method = '<unreadable>';
  let url = '<unreadable>';
  try {
    if (typeof raw?.method === 'string') method = raw.method.slice(0, 32);
    if (typeof raw?.url === 'string') url = raw.url.slice(0, TEXT_CAP);
  } catch {
    // recorded as unreadable
  }
  let canonical: string | undefined;
  let decision: Decision | undefined;
  let verdict: { status: 'OK' | 'DENIED' | 'ERROR'; code?: string; reason: string };
  let opened: { value: T } | undefined;
  try {
    const request = canonicalizeRequest({ action: 'net.http', target: url, params: { method } });
    canonical = request.target;
    let constraint: Readonly<Record<string, unknown>>;
    try {
      ({ decision, constraint } = deps.gate.decide(request, deps.history?.get()));
    } catch (cause) {
      throw new PolicyEvaluationError({ cause });
    }
    if (decision.effect === Effect.Allow) {
      // Counted before the connection opens, with no await since the decision (as a submit's calls are).
      const used = deps.history === undefined ? undefined : deps.gate.historyEffects(decision, { request, approved: false });
      if (used !== undefined) deps.history?.commit(used);
      opened = { value: await open({ target: canonical, constraint }) };
      verdict = { status: 'OK', reason: decision.reason };
    } else if (decision.effect === Effect.Ask) {
      verdict = {
        status: 'DENIED',
        code: KernelCode.ApprovalRequired,
        reason: `${decision.reason}; a program's connections are not put to a person, so an ask rule refuses them`,
      };
    } else {
      verdict = { status: 'DENIED', code: PolicyCode.Denied, reason: decision.reason };
    }
  } catch (err) {
    const typed = isTyped(err);
    const code = typed ? err.code : KernelCode.ProviderFailed;
    const reason = typed ? err.message : `the connection failed (${err instanceof Error ? err.name : typeof err})`;
    verdict = { status: canonical === undefined || code === PolicyCode.InvalidTarget ? 'DENIED' : 'ERROR', code, reason };
  }

  // A program's query string may carry its own secrets: the record keeps only that there was one.
  const query = url.search(/[?#]/);
  const shown = query < 0 ? url : `${url.slice(0, query)}${url[query] === '?' ? '?…' : ''}`;
  const entry: Record<string, unknown> = { timestamp: new Date().toISOString(), action: 'net.http', target: shown };
  if (canonical !== undefined) entry['canonical_target'] = canonical;
  entry['status'] = verdict.status;
  if (verdict.status !== 'OK') entry['error'] = verdict.status === 'DENIED' ? 'not permitted' : verdict.reason.slice(0, TEXT_CAP);
  if (verdict.code !== undefined) entry['code'] = verdict.code;
  if (decision?.ruleId !== undefined) entry['rule_id'] = decision.ruleId;
  const origin = deps.origin === undefined ? '' : ` (a connection of ${deps.origin.action} ${deps.origin.target})`;
  entry['reason'] = (verdict.reason + origin).slice(0, TEXT_CAP);
  entry['duration_ms'] = Math.round((performance.now() - started) * 1000) / 1000;
  entry['policy_hash'] = deps.gate.hash;
  entry['params_hash'] = hashParams({ method });
  let record: AuditRecord;
  try {
    entry['exec_id'] = deps.execId();
    record = await deps.append(entry as unknown as AuditEntry);
  } catch {
    if (opened !== undefined) safely(() => discard((opened as { value: T }).value));
    return { allowed: false, status: 'ERROR', code: KernelCode.AuditFailed, reason: 'the audit record could not be written, so the connection is refused' };
  }
  if (opened !== undefined && verdict.status === 'OK') return { allowed: true, value: opened.value, auditRecordId: record.hash };
  return {
    allowed: false,
    status: verdict.status === 'OK' ? 'ERROR' : verdict.status,
    code: verdict.code ?? KernelCode.Internal,
    reason: verdict.reason,
    auditRecordId: record.hash,
  };
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // releasing is best effort; the connection is refused either way
  }
}
