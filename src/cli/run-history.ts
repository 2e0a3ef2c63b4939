/**
 * A run's story so far, read once from its history (no waiting): the steps as `run`
 * prints them, how it ended if it did, how many actions were denied, and — for a finished
 * run — the tool calls refused before any activity (from its result).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { endOf, stepOf, type RunEnd, type RunStep } from '../client/run-progress';
import { fetchDecodedHistory } from '../codec/client-codec';
import type { ActionSummary } from '../workflows/types';

/** What {@link readRunHistory} found. */
export interface RunHistory {
  readonly steps: readonly RunStep[];
  readonly end?: RunEnd;
  /** Steps the kernel answered DENIED. */
  readonly denied: number;
  /** Refused tool calls (decision `invalid`) of a completed run. */
  readonly invalid: readonly ActionSummary[];
}

/**
 * Reads the history of a run (the latest run of the id without `runId`), decoded with the
 * client's codec and checked against the run and activities it is recorded for.
 * @throws WorkflowNotFoundError; the codec's errors (`Codec.NoKeys`, `Codec.Tampered`, …).
 */
export async function readRunHistory(client: Client, workflowId: string, runId?: string): Promise<RunHistory> {
  const history = await fetchDecodedHistory(client.workflow.getHandle(workflowId, runId));
  const summaries = new Map<string, string>();
  const steps: RunStep[] = [];
  let end: RunEnd | undefined;
  let invalid: ActionSummary[] = [];
  for (const event of history.events ?? []) {
    const step = stepOf(event, summaries);
    if (step) steps.push(step);
    end ??= endOf(event);
    const payload = event.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    if (payload) {
      try {
        const result = defaultPayloadConverter.fromPayload(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]) as {
          actions?: ActionSummary[];
        };
        invalid = (result.actions ?? []).filter((a) => a.decision === 'invalid' && a.auditRecordId === undefined);
      } catch {
        /* an undecodable result: show the steps only */
      }
    }
  }
  return { steps, ...(end ? { end } : {}), denied: steps.filter((s) => s.status === 'DENIED').length, invalid };
}

/**
 * The story in order: refused calls of turn N right after "model turn N" (as `run` tells them).
 */
export function interleave(steps: readonly RunStep[], invalid: readonly ActionSummary[]): Array<{ step: RunStep } | { invalid: ActionSummary }> {
  const out: Array<{ step: RunStep } | { invalid: ActionSummary }> = [];
  const held = [...invalid];
  let turns = 0;
  for (const step of steps) {
    out.push({ step });
    if (step.summary.startsWith('model turn')) turns++;
    while (held.length > 0 && (held[0] as ActionSummary).turn <= turns) out.push({ invalid: held.shift() as ActionSummary });
  }
  for (const rest of held) out.push({ invalid: rest });
  return out;
}
