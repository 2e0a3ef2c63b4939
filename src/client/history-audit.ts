/**
 * A run's history → the seed's JSONL audit format, hash-chained like the kernel's own log
 * (so `agent-os audit verify` checks it). One record per executed action (the
 * `executeAction` activities) and per undo (`undoAction`), in history order; an activity
 * that failed or timed out is recorded as `ERROR` too — no failure goes unrecorded.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { fetchDecodedHistory } from '../codec/client-codec';
import { type AuditEntry, type AuditRecord, GENESIS_HASH, chainEntry, hashParams, recordLine } from '../kernel/audit-record';
import type { ActionRequest, ActionResult } from '../kernel/types';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

const EXPORTED = new Set(['executeAction', 'undoAction']);

/** The decoded first argument of a payload list (undefined when absent or undecodable). */
export function firstArg<T>(payloads: Payloads): T | undefined {
  const payload = payloads?.payloads?.[0];
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(payload);
  } catch {
    return undefined;
  }
}

/**
 * The start input of a run (its first history event), decoded with the client's codec.
 * @throws the codec's errors when the run is encrypted with keys this client lacks.
 */
export async function runInputOf<T>(handle: WorkflowHandle): Promise<T | undefined> {
  const history = await fetchDecodedHistory(handle);
  return firstArg<T>(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input);
}

function eventTime(event: HistoryEvent | undefined): number {
  const t = event?.eventTime;
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

interface Scheduled {
  readonly type: string;
  readonly event: HistoryEvent;
  readonly input: { request?: ActionRequest; idempotencyKey?: string; approval?: { approver: string } } | undefined;
  started?: HistoryEvent;
}

/**
 * The audit records of one run, chained from {@link GENESIS_HASH}.
 * @param policyHash recorded as `policy_hash` (the run's memo / search attribute).
 */
export function historyToAuditRecords(events: readonly HistoryEvent[], policyHash: string): AuditRecord[] {
  const scheduled = new Map<string, Scheduled>();
  const records: AuditRecord[] = [];
  let prev = GENESIS_HASH;
  const push = (s: Scheduled, end: HistoryEvent, result: Partial<Omit<ActionResult, 'status'>> & { status: string }): void => {
    const request = s.input?.request;
    const entry: Record<string, unknown> = {
      timestamp: new Date(eventTime(end)).toISOString(),
      action: String(request?.action ?? s.type),
      target: String(request?.target ?? (s.input as { target?: unknown } | undefined)?.target ?? ''),
    };
    if (typeof result.target === 'string') entry['canonical_target'] = result.target;
    entry['status'] = result.status;
    for (const [from, to] of [['error', 'error'], ['code', 'code'], ['ruleId', 'rule_id'], ['reason', 'reason']] as const) {
      const v = result[from];
      if (typeof v === 'string') entry[to] = v;
    }
    entry['duration_ms'] = Math.max(0, eventTime(end) - eventTime(s.started ?? s.event));
    entry['policy_hash'] = policyHash;
    if (s.input?.idempotencyKey) entry['idempotency_key'] = s.input.idempotencyKey;
    entry['params_hash'] = hashParams(request?.params);
    if (s.input?.approval?.approver) entry['approved_by'] = s.input.approval.approver;
    if (s.type === 'undoAction' && typeof result.recordId === 'string') entry['undo_of'] = result.recordId;
    const record = chainEntry(entry as unknown as AuditEntry, records.length + 1, prev);
    prev = record.hash;
    records.push(record);
  };
  for (const event of events) {
    const id = String(event.eventId ?? '');
    const sched = event.activityTaskScheduledEventAttributes;
    if (sched) {
      const type = sched.activityType?.name ?? '';
      if (EXPORTED.has(type)) scheduled.set(id, { type, event, input: firstArg(sched.input) });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const s = scheduled.get(String(started.scheduledEventId ?? ''));
      if (s) s.started = event;
      continue;
    }
    const done = event.activityTaskCompletedEventAttributes;
    const failed = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    const s = scheduled.get(String((done ?? failed)?.scheduledEventId ?? ''));
    if (!s) continue;
    if (done) {
      const result = firstArg<Partial<ActionResult> & { status?: string }>(done.result) ?? {};
      push(s, event, { ...result, status: String(result.status ?? 'UNKNOWN') });
    } else {
      const failure = (failed as { failure?: { message?: string | null } }).failure;
      push(s, event, { status: 'ERROR', error: failure?.message ?? (event.activityTaskTimedOutEventAttributes ? 'activity timed out' : 'activity failed'), code: 'Activity.Failed' });
    }
    scheduled.delete(String((done ?? failed)?.scheduledEventId ?? ''));
  }
  return records;
}

/** The JSONL text of records (one line each, in the kernel log's key order). */
export function auditJsonl(records: readonly AuditRecord[]): string {
  return records.map(recordLine).join('');
}
