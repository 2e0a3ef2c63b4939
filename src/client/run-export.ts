/**
 * A run's whole audit trail from Temporal: every run of its continue-as-new chain (and every run
 * one of them was reset from), oldest first, then the `rollbackRun` workflows started later for it (`agent-os rollback` of a
 * finished run), as ONE hash-chained JSONL log (history-audit.ts).
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { fetchDecodedHistory } from '../codec/client-codec';
import type { AuditRecord } from '../kernel/audit-record';
import { firstArg, historiesToAuditRecords, previousRunId, resetFrom } from './history-audit';
import { optionalTsToMs } from '@temporalio/common/lib/time';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Longest continue-as-new chain followed. */
const MAX_RUNS = 10_000;

/** What {@link exportRunAudit} found. */
export interface RunAudit {
  readonly records: AuditRecord[];
  /** Run ids of the chain, oldest first. */
  readonly runs: readonly string[];
  /** Workflow ids of the later rollbacks included, in start order. */
  readonly rollbacks: readonly string[];
}

/**
 * Exports a run's audit records: the chain that ends in `runId` (default: the latest run)
 * and the later rollbacks of that workflow id.
 * @throws the client's errors (unknown workflow, unreachable server).
 */
export async function exportRunAudit(client: Client, workflowId: string, options: { readonly runId?: string } = {}): Promise<RunAudit> {
  const handle = client.workflow.getHandle(workflowId, options.runId);
  const description = await handle.describe();
  const memo = (await description.memo) ?? {};
  const fromAttrs = description.searchAttributes['AgentOsPolicyHash'];
  const policyHash = String(memo['policyHash'] ?? (Array.isArray(fromAttrs) ? fromAttrs[0] : '') ?? '');

  const histories: HistoryEvent[][] = [];
  const recordFrom: (number | undefined)[] = [];
  const runs: string[] = [];
  for (let runId: string | undefined = description.runId; runId !== undefined && runs.length < MAX_RUNS;) {
    if (runs.includes(runId)) break;
    const events: HistoryEvent[] = (await fetchDecodedHistory(client.workflow.getHandle(workflowId, runId))).events ?? [];
    // A run made by a reset copies the run it was reset from up to the reset point; what that run did
    // after the point happened too (red team 15c: it was missing from the export). It comes first,
    // whole, and this run's copied prefix is not recorded twice.
    const reset = resetFrom(events);
    histories.unshift(events);
    recordFrom.unshift(reset?.ownFrom);
    runs.unshift(runId);
    runId = reset?.baseRunId ?? previousRunId(events);
  }

  const later: { start: number; id: string; events: HistoryEvent[] }[] = [];
  const owns = await rollbackOwner(client, workflowId, runs, histories);
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'rollbackRun' AND WorkflowId STARTS_WITH ${JSON.stringify(`${workflowId}-rollback-`)}`,
  })) {
    const events = (await fetchDecodedHistory(client.workflow.getHandle(wf.workflowId, wf.runId))).events ?? [];
    const input = firstArg<{ workflowId?: unknown; runId?: unknown }>(events[0]?.workflowExecutionStartedEventAttributes?.input);
    if (input?.workflowId === workflowId && owns(input.runId, wf.startTime.getTime())) later.push({ start: wf.startTime.getTime(), id: wf.workflowId, events });
  }
  later.sort((a, b) => a.start - b.start);
  return {
    records: historiesToAuditRecords([...histories, ...later.map((l) => l.events)], policyHash, recordFrom),
    runs,
    rollbacks: later.map((l) => l.id),
  };
}

/**
 * Whether a rollback of `workflowId` belongs to this chain of runs: the run it names (`runId`,
 * which `agent-os rollback` always sets) is one of the chain's; a rollback naming no run was
 * started between the chain's first run and the next run of the same workflow id. A workflow
 * id is used again by later runs: before, every rollback of the id was exported as this run's,
 * so the second run's export said its writes were undone (red team 15c).
 */
async function rollbackOwner(
  client: Client,
  workflowId: string,
  runs: readonly string[],
  histories: readonly HistoryEvent[][],
): Promise<(runId: unknown, startMs: number) => boolean> {
  const from = optionalTsToMs(histories[0]?.[0]?.eventTime) ?? 0;
  let until = Number.POSITIVE_INFINITY;
  for await (const run of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) {
    const start = run.startTime.getTime();
    if (!runs.includes(run.runId) && start > from) until = Math.min(until, start);
  }
  return (runId, startMs) => (typeof runId === 'string' && runId !== '' ? runs.includes(runId) : startMs >= from && startMs < until);
}
