/**
 * `agent-os approvals list` — running runs that wait for a human (visibility query
 * `AgentOsPendingApprovals > 0`), with each pending request from the run's `state` query.
 * Exit codes: 0 listed (also when none), 1 unreachable, 2 usage.
 */
import type { Command } from 'commander';
import { stateQuery } from '../workflows/messages';
import type { PendingApproval } from '../workflows/types';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';
import { printable } from './printable';

/** The visibility query that finds runs waiting for approvals. */
export const PENDING_APPROVALS_QUERY = 'AgentOsPendingApprovals > 0 AND ExecutionStatus = "Running"';

/** One pending request of one run. */
export interface PendingRow extends PendingApproval {
  readonly workflowId: string;
}

/** Registers `agent-os approvals list`. @public main.ts loads it by name. */
export function registerApprovalsCommand(program: Command, io: CliIo = processIo): void {
  const approvals = program.command('approvals').description('actions waiting for a human decision');
  withConnectionOptions(withOutputAndJsonAlias(approvals.command('list').description('list pending approvals of running runs'))).action(
    async (options: ConnectionFlags & { output: OutputFormat }) => {
      try {
        const rows = await withClient(options, async (client) => {
          const found: PendingRow[] = [];
          for await (const run of client.workflow.list({ query: PENDING_APPROVALS_QUERY })) {
            // Bounded: a run whose worker is gone must not hold the whole listing.
            const state = await client.connection
              .withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(run.workflowId, run.runId).query(stateQuery))
              .catch(() => undefined);
            for (const p of state?.pendingApprovals ?? []) found.push({ workflowId: run.workflowId, ...p });
          }
          return found;
        });
        if (options.output === 'json') io.out(`${JSON.stringify(rows)}\n`);
        else if (options.output === 'jsonl') for (const r of rows) io.out(`${JSON.stringify(r)}\n`);
        else if (rows.length === 0) io.out('no pending approvals\n');
        else
          for (const r of rows)
            io.out(
              `${printable(`${r.workflowId}  ${r.requestId}  ${r.action} ${r.target}  (${r.reason})`)}\n` +
                (r.params === undefined ? '' : `  ${printable(`params: ${r.params}`)}\n`) +
                `  → ${printable(`agent-os approve -w ${r.workflowId} ${r.requestId}`)} --allow|--deny --reason "…"\n`,
            );
        io.setExitCode(ExitCode.Ok);
      } catch (err) {
        io.setExitCode(reportError(io, 'approvals list', err));
      }
    },
  );
}
