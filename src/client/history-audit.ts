/**
 * A run's history → the seed's JSONL audit format, hash-chained like the kernel's own log
 * (so `agent-os audit verify` checks it). One record per executed action (the
 * `executeAction` activities), per call refused before the gate (`recordRefusal`, and one per
 * call of a `recordRefusals` step: calls a stopped run never ran) and per undo (`undoAction`),
 * in history order; an activity that failed or timed out is recorded as `ERROR` too — no
 * failure goes unrecorded — one that was cancelled with the kernel's answer (or `UNKNOWN`
 * without it), and one still scheduled or running when its run ended as `UNKNOWN`
 * (`Activity.Abandoned`).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { fetchDecodedHistory } from '../codec/client-codec';
import { type AuditEntry, type AuditRecord, GENESIS_HASH, chainEntry, hashParams, recordLine } from '../kernel/audit-record';
import type { ActionRequest, ActionResult } from '../kernel/types';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

// recordRefusal: calls refused before the kernel's gate (runs from 0.2.0 on) have a record too;
// recordRefusals: the calls a stopped run never ran, one record each (Patch.RecordUnrunCalls).
const EXPORTED = new Set(['executeAction', 'recordRefusal', 'recordRefusals', 'undoAction']);
const BATCH = 'recordRefusals';

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

type StepInput = { request?: ActionRequest; idempotencyKey?: string; approval?: { approver: string } } | undefined;

interface Scheduled {
  readonly type: string;
  readonly event: HistoryEvent;
  readonly input: StepInput;
  /** The inputs of a `recordRefusals` step (one record each). */
  readonly batch?: readonly StepInput[];
  started?: HistoryEvent;
}

/** The list a `recordRefusals` step was given (empty when undecodable). */
function batchInput(payloads: Payloads): StepInput[] {
  const list = firstArg<unknown>(payloads);
  return Array.isArray(list) ? list.map((i) => (typeof i === 'object' && i !== null ? (i as StepInput) : undefined)) : [];
}

/**
 * The audit records of one run, chained from {@link GENESIS_HASH}.
 * @param policyHash recorded as `policy_hash` (the run's memo / search attribute).
 */
export function historyToAuditRecords(events: readonly HistoryEvent[], policyHash: string): AuditRecord[] {
  return historiesToAuditRecords([events], policyHash);
}

/** What an executed action left in history, for the undo records that refer to it. */
interface Original {
  readonly action: string;
  readonly target: string;
  readonly recordId?: string;
  /** The kernel-log record (hash) of the action, when history carries it. */
  readonly auditRecordId?: string;
}

const KERNEL_HASH = /^[0-9a-f]{64}$/;

/**
 * The audit records of several histories as ONE chain, in the order given: the runs of a
 * continue-as-new chain oldest first, then the `rollbackRun` workflows done later for it.
 * An undo record names the action and target it undoes (from the `executeAction` with the
 * same idempotency key, in any of the histories) and the record it undoes (`undo_of`);
 * `kernel_record` names the kernel-log record of the action when history carries its hash,
 * so the export can anchor the kernel log (`audit verify LOG --anchor EXPORT`).
 * `recordFrom[i]`: history i records only activities that end at or after that event id (a
 * reset run's copied prefix, recorded already from the run it was reset from).
 */
export function historiesToAuditRecords(
  histories: readonly (readonly HistoryEvent[])[],
  policyHash: string,
  recordFrom: readonly (number | undefined)[] = [],
): AuditRecord[] {
  const records: AuditRecord[] = [];
  const originals = new Map<string, Original>();
  let prev = GENESIS_HASH;
  const push = (s: Scheduled, end: HistoryEvent, result: Partial<Omit<ActionResult, 'status'>> & { status: string; auditRecordId?: string }): void => {
    const request = s.input?.request;
    const key = s.input?.idempotencyKey;
    const original = s.type === 'undoAction' && key !== undefined ? originals.get(key) : undefined;
    const entry: Record<string, unknown> = {
      timestamp: new Date(eventTime(end)).toISOString(),
      action: String(request?.action ?? original?.action ?? s.type),
      target: String(request?.target ?? original?.target ?? (s.input as { target?: unknown } | undefined)?.target ?? ''),
    };
    if (typeof result.target === 'string') entry['canonical_target'] = result.target;
    entry['status'] = result.status;
    for (const [from, to] of [
      ['error', 'error'],
      ['code', 'code'],
      ['ruleId', 'rule_id'],
      ['reason', 'reason'],
    ] as const) {
      const v = result[from];
      if (typeof v === 'string') entry[to] = v;
    }
    entry['duration_ms'] = Math.max(0, eventTime(end) - eventTime(s.started ?? s.event));
    entry['policy_hash'] = policyHash;
    if (key) entry['idempotency_key'] = key;
    entry['params_hash'] = hashParams(request?.params);
    if (s.type === 'executeAction' && s.input?.approval?.approver) entry['approved_by'] = s.input.approval.approver;
    if (s.type === 'undoAction') {
      const undoOf = original?.recordId ?? result.recordId;
      if (typeof undoOf === 'string') entry['undo_of'] = undoOf;
      if (original?.auditRecordId !== undefined) entry['undo_of_hash'] = original.auditRecordId;
    }
    const kernelRecord = kernelRecordOf(s.type, result);
    if (kernelRecord !== undefined) entry['kernel_record'] = kernelRecord;
    if (s.type === 'executeAction' && key !== undefined && request !== undefined) {
      originals.set(key, {
        action: String(request.action),
        target: String(request.target),
        ...(typeof result.recordId === 'string' ? { recordId: result.recordId } : {}),
        ...(kernelRecord !== undefined ? { auditRecordId: kernelRecord } : {}),
      });
    }
    const record = chainEntry(entry as unknown as AuditEntry, records.length + 1, prev);
    prev = record.hash;
    records.push(record);
  };
  // A `recordRefusals` step stands for one record per call it was given: its outcome list, item by item.
  const pushEach = (s: Scheduled, end: HistoryEvent, result: Parameters<typeof push>[2], results?: unknown): void => {
    if (s.batch === undefined) return push(s, end, result);
    const each = Array.isArray(results) ? results : [];
    s.batch.forEach((input, i) => {
      const own = each[i] as (Partial<ActionResult> & { status?: unknown; auditRecordId?: string }) | undefined;
      push({ ...s, input }, end, own !== undefined && typeof own.status === 'string' ? { ...own, status: own.status } : result);
    });
  };
  for (const [index, events] of histories.entries()) {
    const scheduled = new Map<string, Scheduled>();
    const from = recordFrom[index] ?? 0;
    for (const event of events) {
      const id = String(event.eventId ?? '');
      const sched = event.activityTaskScheduledEventAttributes;
      if (sched) {
        const type = sched.activityType?.name ?? '';
        if (type === BATCH) scheduled.set(id, { type, event, input: undefined, batch: batchInput(sched.input) });
        else if (EXPORTED.has(type)) scheduled.set(id, { type, event, input: firstArg(sched.input) });
        continue;
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started) {
        const s = scheduled.get(String(started.scheduledEventId ?? ''));
        if (s) s.started = event;
        continue;
      }
      const done = event.activityTaskCompletedEventAttributes;
      const canceled = event.activityTaskCanceledEventAttributes;
      const failed = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
      const s = scheduled.get(String((done ?? canceled ?? failed)?.scheduledEventId ?? ''));
      if (s && Number(event.eventId ?? 0) < from) {
        scheduled.delete(String((done ?? canceled ?? failed)?.scheduledEventId ?? ''));
        continue;
      }
      if (!s) {
        if (closesRun(event)) {
          // The run ended with these still scheduled or running (terminated, timed out, continued
          // as new): whatever they did is not in history, so each is recorded as unknown.
          for (const left of scheduled.values()) pushEach(left, event, { status: 'UNKNOWN', error: ABANDONED, code: HistoryAuditCode.Abandoned });
          scheduled.clear();
        }
        continue;
      }
      if (done && s.batch !== undefined) {
        pushEach(s, event, { status: 'UNKNOWN' }, firstArg<unknown>(done.result));
      } else if (done) {
        const result = firstArg<Partial<ActionResult> & { status?: string; auditRecordId?: string }>(done.result) ?? {};
        push(s, event, { ...result, status: String(result.status ?? 'UNKNOWN') });
      } else if (canceled) {
        // executeAction reports the kernel's answer as the cancellation's details (runs from this release on).
        const result = firstArg<Partial<ActionResult> & { status?: unknown; auditRecordId?: string }>(canceled.details);
        const started = Number(canceled.startedEventId ?? 0) > 0 || s.started !== undefined;
        if (result !== undefined && typeof result.status === 'string') push(s, event, { ...result, status: result.status });
        else if (started) pushEach(s, event, { status: 'UNKNOWN', error: CANCELLED_RUNNING, code: HistoryAuditCode.Cancelled });
        else pushEach(s, event, { status: 'ERROR', error: CANCELLED_BEFORE_START, code: HistoryAuditCode.Cancelled });
      } else {
        const failure = (failed as { failure?: { message?: string | null } }).failure;
        pushEach(s, event, {
          status: 'ERROR',
          error: failure?.message ?? (event.activityTaskTimedOutEventAttributes ? 'activity timed out' : 'activity failed'),
          code: 'Activity.Failed',
        });
      }
      scheduled.delete(String((done ?? canceled ?? failed)?.scheduledEventId ?? ''));
    }
  }
  return records;
}

/** Codes of export records for activities whose end history does not tell. */
const HistoryAuditCode = {
  /** The activity was cancelled (the run was cancelled) without reporting the kernel's answer. */
  Cancelled: 'Activity.Cancelled',
  /** The run ended (terminated, timed out, continued as new) while the activity was scheduled or running. */
  Abandoned: 'Activity.Abandoned',
} as const;

const ABANDONED = 'the run ended while this activity was scheduled or running; its outcome is unknown';
const CANCELLED_RUNNING = 'the activity was cancelled while it ran; its outcome is unknown';
const CANCELLED_BEFORE_START = 'the activity was cancelled before it started; it did not run';

/** True for the event that closes a run (after it, nothing of the run's activities is recorded). */
function closesRun(event: HistoryEvent): boolean {
  return Boolean(
    event.workflowExecutionCompletedEventAttributes ??
    event.workflowExecutionFailedEventAttributes ??
    event.workflowExecutionTimedOutEventAttributes ??
    event.workflowExecutionTerminatedEventAttributes ??
    event.workflowExecutionCanceledEventAttributes ??
    event.workflowExecutionContinuedAsNewEventAttributes,
  );
}

/** The kernel-log record (hash) an activity result names: `auditRecordId` (reversible layer, undo) or a kernel `recordId`. */
function kernelRecordOf(type: string, result: { recordId?: unknown; auditRecordId?: unknown }): string | undefined {
  if (typeof result.auditRecordId === 'string' && KERNEL_HASH.test(result.auditRecordId)) return result.auditRecordId;
  if (type === 'executeAction' && typeof result.recordId === 'string' && KERNEL_HASH.test(result.recordId)) return result.recordId;
  return undefined;
}

/** `WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW` (the proto enum's value; the module is not loaded here). */
const RESET_WORKFLOW = 20;

/**
 * The run this one was reset from, and the first event id that is this run's own (the events
 * before it are copied from that run): from the last reset event in its history (`temporal
 * workflow reset`), or undefined for a run that was not made by a reset.
 */
export function resetFrom(events: readonly HistoryEvent[]): { readonly baseRunId: string; readonly ownFrom: number } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const failed = events[i]?.workflowTaskFailedEventAttributes;
    if (!failed) continue;
    if (failed.cause !== RESET_WORKFLOW && (failed.cause as unknown) !== 'WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW') continue;
    const baseRunId = failed.baseRunId;
    if (typeof baseRunId === 'string' && baseRunId !== '') return { baseRunId, ownFrom: Number(failed.scheduledEventId ?? events[i]?.eventId ?? 0) };
  }
  return undefined;
}

/** The previous run of a continue-as-new chain, from a run's first event (`undefined` for the first run). */
export function previousRunId(events: readonly HistoryEvent[]): string | undefined {
  const id = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The JSONL text of records (one line each, in the kernel log's key order). */
export function auditJsonl(records: readonly AuditRecord[]): string {
  return records.map(recordLine).join('');
}
