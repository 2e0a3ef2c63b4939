/**
 * `agent-os list` — recent agent runs, newest first: state, pending approvals (the
 * `AgentOsPendingApprovals` search attribute) and how many actions were denied.
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { decodeSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';
import { readRunHistory } from './run-history';
import { pendingCount } from './status';
import { printable } from './printable';

interface ListCliOptions extends ConnectionFlags {
  readonly limit: string;
  readonly query?: string;
  readonly output: OutputFormat;
}

/** One row of `agent-os list`. */
export interface RunRow {
  readonly workflowId: string;
  readonly status: string;
  readonly startTime: string;
  readonly taskQueue: string;
  readonly pendingApprovals: number;
  readonly denied: number;
}

/** Registers `agent-os list`. @public main.ts loads it by name. */
export function registerListCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      program
        .command('list')
        .description('list recent agent runs with their state, pending approvals and denials')
        .option('--limit <n>', 'at most this many runs', '20')
        .option('-q, --query <visibility query>', 'narrow with a Temporal visibility query, e.g. \'ExecutionStatus = "Running"\''),
    ),
  ).action(async (options: ListCliOptions) => {
    try {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit ${options.limit}: expected a positive integer`, ExitCode.Usage);
      const query = `WorkflowType = "agentRun"${options.query ? ` AND (${options.query})` : ''}`;
      const rows = await withClient(options, async (client) => {
        const found: RunRow[] = [];
        for await (const run of listRuns(client, query)) {
          const history = await readRunHistory(client, run.workflowId, run.runId).catch(() => undefined);
          found.push({ ...run.row, denied: history?.denied ?? 0 });
          if (found.length >= limit) break;
        }
        return found;
      });
      if (options.output === 'json') io.out(`${JSON.stringify(rows)}\n`);
      else if (options.output === 'jsonl') for (const r of rows) io.out(`${JSON.stringify(r)}\n`);
      else if (rows.length === 0) io.out('no runs\n');
      else {
        // Whoever starts a run chooses its id: escaped (printable.ts).
        const width = Math.max(...rows.map((r) => printable(r.workflowId).length));
        io.out(`${'WORKFLOW ID'.padEnd(width)}  ${'STATUS'.padEnd(10)}  ${'STARTED'.padEnd(24)}  APPROVALS  DENIED\n`);
        for (const r of rows)
          io.out(
            `${printable(r.workflowId).padEnd(width)}  ${r.status.padEnd(10)}  ${r.startTime.padEnd(24)}  ${String(r.pendingApprovals).padStart(9)}  ${String(r.denied).padStart(6)}\n`,
          );
      }
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'list', err));
    }
  });
}

/**
 * The runs a visibility query finds, newest first, read raw: the SDK's list decodes every run's
 * memo, so one encrypted run (its memo ciphertext) made a keyless `agent-os list` fail as a
 * whole with `Codec.NoKeys`; the columns need no payload.
 */
async function* listRuns(
  client: Client,
  query: string,
): AsyncGenerator<{ readonly workflowId: string; readonly runId: string; readonly row: Omit<RunRow, 'denied'> }> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const raw of page.executions ?? []) {
      const workflowId = raw.execution?.workflowId ?? '';
      const status = temporal.api.enums.v1.WorkflowExecutionStatus[raw.status ?? 0] ?? 'UNSPECIFIED';
      yield {
        workflowId,
        runId: raw.execution?.runId ?? '',
        row: {
          workflowId,
          // The SDK's names (CANCELLED with two Ls), as `status` prints them.
          status: status.replace(/^WORKFLOW_EXECUTION_STATUS_/, '').replace(/^CANCELED$/, 'CANCELLED'),
          startTime: new Date(optionalTsToMs(raw.startTime) ?? 0).toISOString(),
          taskQueue: raw.taskQueue ?? '',
          pendingApprovals: pendingCount(decodeSearchAttributes(raw.searchAttributes?.indexedFields) as Record<string, unknown>),
        },
      };
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken !== undefined);
}
