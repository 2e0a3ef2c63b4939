/**
 * Where each payload of a recorded history belongs, as the SDK's serialization context —
 * the same context the worker or client that wrote it passed to the codec — so a reader of
 * raw history (`decodeHistory`: audit export, progress, rollback, policy replay) checks each
 * payload's binding as the worker does:
 *
 * - activity events (scheduled, started, completed, failed, timed out, canceled): the activity
 *   (its id from the scheduled event, found by `scheduledEventId`);
 * - local-activity markers: the local activity (its id from the marker's own data);
 * - child-workflow and external-signal events: the other workflow;
 * - everything else (start input, result, signals, updates, memo, failures): the run's workflow.
 *
 * Core's own marker data (`core_patch` → `patch-data`, `core_local_activity` → `data`) is
 * written by Temporal's core in clear, never through the codec: it is left as recorded.
 */
import type { SerializationContext } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

/** The run a history belongs to: its namespace and workflow id (what the reader asked for, not what the history says). */
export interface HistoryOwner {
  readonly namespace: string;
  readonly workflowId: string;
  /**
   * Activity ids by scheduled event id, filled while decoding: pass the same map for every
   * page of one run (a completion may be on a later page than its scheduling).
   */
  readonly scheduled?: Map<string, string>;
}

/** Marks payloads that core writes in clear (never codec-encoded): they are left as recorded. */
export const CORE_DATA = Object.freeze({ type: 'core-data' as const });
/** The visitor's context: where a payload belongs, core data, or unknown (no owner given). */
export type PayloadPlace = SerializationContext | typeof CORE_DATA | undefined;

type Event = temporal.api.history.v1.IHistoryEvent;

/** Core's plaintext marker details: marker name → detail key. */
const CORE_MARKER_DATA: Readonly<Record<string, string>> = { core_patch: 'patch-data', core_local_activity: 'data' };
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * The context deriver for `visit(…, walkGetWorkflowExecutionHistoryResponse, …)`.
 * Without an owner, payloads are decoded without a place (authenticated, not checked against one).
 */
export function historyContextDeriver(owner: HistoryOwner | undefined): (message: object, typeName: string, context: PayloadPlace) => PayloadPlace {
  const scheduled = owner?.scheduled ?? new Map<string, string>();
  const coreData = new WeakSet<object>();
  return (message, typeName, context) => {
    if (typeName === 'temporal.api.common.v1.Payloads') return coreData.has(message) ? CORE_DATA : context;
    if (typeName !== 'temporal.api.history.v1.HistoryEvent') return context;
    const event = message as Event;
    const marker = event.markerRecordedEventAttributes;
    const coreKey = marker?.markerName ? CORE_MARKER_DATA[marker.markerName] : undefined;
    const corePayloads = coreKey !== undefined ? marker?.details?.[coreKey] : undefined;
    if (corePayloads) coreData.add(corePayloads);
    return owner === undefined ? undefined : eventContext(event, owner, scheduled);
  };
}

function eventContext(event: Event, owner: HistoryOwner, scheduled: Map<string, string>): SerializationContext {
  const workflow = (workflowId: string, namespace?: string | null): SerializationContext => ({
    type: 'workflow',
    namespace: namespace || owner.namespace,
    workflowId,
  });
  // An activity id that cannot be found gives a place no payload is bound to: a bound payload is refused there.
  const activity = (activityId: string | undefined, isLocal: boolean): SerializationContext => ({
    type: 'activity',
    namespace: owner.namespace,
    workflowId: owner.workflowId,
    ...(activityId !== undefined ? { activityId } : {}),
    isLocal,
  });
  const byScheduled = (id: unknown): SerializationContext => activity(scheduled.get(eventIdKey(id)), false);
  const scheduledAttrs = event.activityTaskScheduledEventAttributes;
  if (scheduledAttrs) {
    if (scheduledAttrs.activityId) scheduled.set(eventIdKey(event.eventId), scheduledAttrs.activityId);
    return activity(scheduledAttrs.activityId || undefined, false);
  }
  const activityEvent =
    event.activityTaskStartedEventAttributes ??
    event.activityTaskCompletedEventAttributes ??
    event.activityTaskFailedEventAttributes ??
    event.activityTaskTimedOutEventAttributes ??
    event.activityTaskCanceledEventAttributes ??
    event.activityTaskCancelRequestedEventAttributes;
  if (activityEvent) return byScheduled(activityEvent.scheduledEventId);
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName === LOCAL_ACTIVITY_MARKER) return activity(localActivityId(marker), true);
  const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
  if (child?.workflowId) return workflow(child.workflowId, child.namespace);
  const other =
    event.childWorkflowExecutionStartedEventAttributes ??
    event.childWorkflowExecutionCompletedEventAttributes ??
    event.childWorkflowExecutionFailedEventAttributes ??
    event.childWorkflowExecutionCanceledEventAttributes ??
    event.childWorkflowExecutionTimedOutEventAttributes ??
    event.childWorkflowExecutionTerminatedEventAttributes ??
    event.signalExternalWorkflowExecutionInitiatedEventAttributes;
  if (other?.workflowExecution?.workflowId) return workflow(other.workflowExecution.workflowId, other.namespace);
  return workflow(owner.workflowId);
}

/** An event id (a number, a protobuf Long, or a Long's plain copy `{ low, high }`) as a decimal string. */
function eventIdKey(id: unknown): string {
  if (id !== null && typeof id === 'object' && 'low' in id && 'high' in id) {
    const { low, high } = id as { low: number; high: number };
    return String(high * 2 ** 32 + (low >>> 0));
  }
  return String(id);
}

/** The activity id core recorded in a local-activity marker's data (JSON, written in clear by core). */
function localActivityId(marker: temporal.api.history.v1.IMarkerRecordedEventAttributes): string | undefined {
  const payload = marker.details?.['data']?.payloads?.[0];
  if (!payload?.data) return undefined;
  try {
    const data = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { activity_id?: unknown };
    return typeof data.activity_id === 'string' ? data.activity_id : undefined;
  } catch {
    return undefined;
  }
}
