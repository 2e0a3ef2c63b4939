/**
 * A run's story so far, read once from its history (no waiting): the steps as `run`
 * prints them, how it ended if it did, and how many actions were denied.
 */
import type { Client } from '@temporalio/client';
import { endOf, stepOf, type RunEnd, type RunStep } from '../client/run-progress';

/** What {@link readRunHistory} found. */
export interface RunHistory {
  readonly steps: readonly RunStep[];
  readonly end?: RunEnd;
  /** Steps the kernel answered DENIED. */
  readonly denied: number;
}

/** Reads the history of a run (the latest run of the id without `runId`). @throws WorkflowNotFoundError. */
export async function readRunHistory(client: Client, workflowId: string, runId?: string): Promise<RunHistory> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const summaries = new Map<string, string>();
  const steps: RunStep[] = [];
  let end: RunEnd | undefined;
  for (const event of history.events ?? []) {
    const step = stepOf(event, summaries);
    if (step) steps.push(step);
    end ??= endOf(event);
  }
  return { steps, ...(end ? { end } : {}), denied: steps.filter((s) => s.status === 'DENIED').length };
}
