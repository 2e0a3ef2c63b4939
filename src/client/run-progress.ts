/**
 * Follows a run's history as it grows and reports each activity when it ends — the same
 * story the Web UI tells: its summary (`fs.write /etc/passwd → DENIED (no capability)`,
 * `undo fs.write /workspace/output/report.md`) and how it ended (the kernel's status, or
 * the activity's failure). Used by `agent-os dev` to print progress per step.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { clientCodec } from '../codec/client-codec';
import { decodeHistory, type HistoryOwner } from '../codec/decode-history';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;

/** One finished activity of a run. */
export interface RunStep {
  /** The activity's summary as shown in the Web UI (its type name when it has none). */
  readonly summary: string;
  /** A call refused before the kernel's gate and recorded by `recordRefusal` (its summary names the outcome). */
  readonly refusal?: boolean;
  /** The kernel's status (`OK`, `DENIED`, `ERROR`, `NOOP`, …), `done` for results without one, `FAILED`, `CANCELLED` or `TIMED OUT`. */
  readonly status: string;
  /** The failure's type and message, or the result's reason / error. */
  readonly detail?: string;
}

/** How a run ended. */
export interface RunEnd {
  readonly status: 'completed' | 'failed' | 'timed out' | 'terminated' | 'canceled';
  /** Failure type and message of a failed run. */
  readonly detail?: string;
}

/**
 * Calls `onStep` for every activity of the run as it ends, until the run closes (a run that
 * continues as new is followed into its next run).
 * @throws what the history call throws (e.g. the server went away); the codec's errors
 *   (`Codec.NoKeys`, `Codec.UnknownKey`, …) when the run is encrypted with keys this client lacks.
 * @example
 * const end = await followRun(client, { workflowId, runId }, (s) => console.log(s.summary, s.status));
 */
export async function followRun(client: Client, execution: { workflowId: string; runId?: string }, onStep: (step: RunStep) => void): Promise<RunEnd> {
  const summaries = new Map<string, string>();
  let current = execution;
  let owner: HistoryOwner = { namespace: client.options.namespace, workflowId: execution.workflowId, scheduled: new Map() };
  let nextPageToken: Uint8Array | undefined;
  for (;;) {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: current,
      waitNewEvent: true,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    const history = page.history ? await decodeHistory(page.history, clientCodec(client), owner) : undefined;
    for (const event of history?.events ?? []) {
      const step = stepOf(event, summaries);
      if (step) onStep(step);
      const next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) {
        // The run goes on under a new run id: follow that one from its first event.
        current = { workflowId: execution.workflowId, runId: next };
        owner = { ...owner, scheduled: new Map() };
        nextPageToken = undefined;
        summaries.clear();
        break;
      }
      const end = endOf(event);
      if (end) return end;
    }
  }
}

/** The step an activity event ends, if it ends one (`summaries` maps scheduled event ids to summaries). */
export function stepOf(event: HistoryEvent, summaries: Map<string, string>): RunStep | undefined {
  const scheduled = event.activityTaskScheduledEventAttributes;
  if (scheduled) {
    summaries.set(String(event.eventId), text(event.userMetadata?.summary) ?? scheduled.activityType?.name ?? 'activity');
    const type = scheduled.activityType?.name;
    if (type === 'recordRefusal' || type === 'recordRefusals') summaries.set(`refusal:${String(event.eventId)}`, '');
    return undefined;
  }
  const completed = event.activityTaskCompletedEventAttributes;
  if (completed) {
    const summary = summaries.get(String(completed.scheduledEventId)) ?? 'activity';
    const refusal = summaries.has(`refusal:${String(completed.scheduledEventId)}`);
    const decoded = decode(completed.result?.payloads?.[0]);
    // recordRefusals answers a list (calls a stopped run never ran, all alike): its first tells.
    const result = (Array.isArray(decoded) ? decoded[0] : decoded) as { status?: unknown; reason?: unknown; error?: unknown } | undefined;
    const status = typeof result?.status === 'string' ? result.status : 'done';
    const why = result?.reason ?? result?.error;
    return { summary, status, ...(refusal ? { refusal } : {}), ...(status !== 'OK' && typeof why === 'string' ? { detail: why } : {}) };
  }
  const failed = event.activityTaskFailedEventAttributes;
  if (failed) {
    const f = failed.failure;
    const type = f?.applicationFailureInfo?.type;
    return { summary: summaries.get(String(failed.scheduledEventId)) ?? 'activity', status: 'FAILED', detail: `${type ? `${type}: ` : ''}${f?.message ?? ''}` };
  }
  const canceled = event.activityTaskCanceledEventAttributes;
  if (canceled) {
    // executeAction's cancellation carries the kernel's answer (what its record says).
    const result = decode(canceled.details?.payloads?.[0]) as { status?: unknown; reason?: unknown; error?: unknown } | undefined;
    const why = result?.error ?? result?.reason;
    return {
      summary: summaries.get(String(canceled.scheduledEventId)) ?? 'activity',
      status: 'CANCELLED',
      ...(typeof result?.status === 'string' ? { detail: `${result.status}${typeof why === 'string' ? `: ${why}` : ''}` } : {}),
    };
  }
  const timedOut = event.activityTaskTimedOutEventAttributes;
  if (timedOut) return { summary: summaries.get(String(timedOut.scheduledEventId)) ?? 'activity', status: 'TIMED OUT' };
  return undefined;
}

/** How the run ended, if `event` closes it. */
export function endOf(event: HistoryEvent): RunEnd | undefined {
  if (event.workflowExecutionCompletedEventAttributes) return { status: 'completed' };
  const failed = event.workflowExecutionFailedEventAttributes;
  if (failed) {
    // "Activity task failed" says little: show the activity's own failure instead.
    const f = failed.failure?.activityFailureInfo && failed.failure.cause ? failed.failure.cause : failed.failure;
    const type = f?.applicationFailureInfo?.type;
    return { status: 'failed', detail: `${type ? `${type}: ` : ''}${f?.message ?? ''}` };
  }
  if (event.workflowExecutionTimedOutEventAttributes) return { status: 'timed out' };
  if (event.workflowExecutionTerminatedEventAttributes) return { status: 'terminated' };
  if (event.workflowExecutionCanceledEventAttributes) return { status: 'canceled' };
  return undefined;
}

function decode(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
  } catch {
    return undefined;
  }
}

function text(payload: Payload | null | undefined): string | undefined {
  const value = decode(payload);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
