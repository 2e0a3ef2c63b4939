/** Reading a run's history the way an operator would: summaries, markers, attempts. */
import type { WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

function decode(data: Uint8Array | null | undefined): unknown {
  if (!data) return undefined;
  const text = Buffer.from(data).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Summaries of every scheduled activity, in order (what the Web UI shows). */
export function activitySummaries(history: History): string[] {
  return (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [String(decode(e.userMetadata?.summary?.data) ?? '')] : []));
}

/** Largest attempt number of any started activity of the given type. */
export function maxAttempt(history: History, activityType: string): number {
  const scheduled = new Map<string, string>();
  let max = 0;
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === activityType) max = Math.max(max, started.attempt ?? 0);
  }
  return max;
}

/** Every payload recorded in history (activity inputs and results, local-activity markers), decoded. */
export function recordedPayloads(history: History): unknown[] {
  const out: unknown[] = [];
  for (const e of history.events ?? []) {
    for (const p of e.activityTaskScheduledEventAttributes?.input?.payloads ?? []) out.push(decode(p.data));
    for (const p of e.activityTaskCompletedEventAttributes?.result?.payloads ?? []) out.push(decode(p.data));
    const details = e.markerRecordedEventAttributes?.details ?? {};
    for (const payloads of Object.values(details)) for (const p of payloads.payloads ?? []) out.push(decode(p.data));
  }
  return out;
}
