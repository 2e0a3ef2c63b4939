/**
 * `agent-os list` — recent agent runs, newest first: state, pending approvals (the
 * `AgentOsPendingApprovals` search attribute) and how many actions were denied.
 */
import type { Command } from 'commander';
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
        for await (const run of client.workflow.list({ query })) {
          const history = await readRunHistory(client, run.workflowId, run.runId).catch(() => undefined);
          found.push({
            workflowId: run.workflowId,
            status: run.status.name,
            startTime: run.startTime.toISOString(),
            taskQueue: run.taskQueue,
            pendingApprovals: pendingCount(run.searchAttributes as Record<string, unknown>),
            denied: history?.denied ?? 0,
          });
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
