/**
 * `agent-os status -w <id>` — a run's state and its steps so far, as `run` prints them,
 * with the approvals it waits for and the command that answers each.
 */
import type { Command } from 'commander';
import { stateQuery } from '../workflows/messages';
import type { PendingApproval } from '../workflows/types';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { ExitCode, withOptionalWorkflowIdOption, withOutputAndJsonAlias, workflowIdOf, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';
import { interleave, readRunHistory } from './run-history';
import { formatApprovalPending, formatInvalidCall, formatStep } from './run-format';
import { printable } from './printable';

interface StatusCliOptions extends ConnectionFlags {
  readonly workflowId?: string;
  readonly runId?: string;
  readonly output: OutputFormat;
}

/** The search attribute's value as a number (0 when unset). */
export function pendingCount(attributes: Readonly<Record<string, unknown>>): number {
  const value = attributes['AgentOsPendingApprovals'];
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'number' ? first : 0;
}

/** Registers `agent-os status`. @public main.ts loads it by name. */
export function registerStatusCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      withOptionalWorkflowIdOption(
        program
          .command('status')
          .description('show a run: its state, its steps so far and the approvals it waits for')
          .argument('[workflowId]', 'the run (same as -w)')
          .option('--run-id <id>', 'a specific run of the workflow id (default: the latest)'),
      ),
    ),
  ).action(async (positional: string | undefined, options: StatusCliOptions) => {
    try {
      const workflowId = workflowIdOf(positional, options.workflowId);
      const shown = await withClient(options, async (client) => {
        const handle = client.workflow.getHandle(workflowId, options.runId);
        const description = await handle.describe();
        const history = await readRunHistory(client, workflowId, options.runId);
        let pending: readonly PendingApproval[] = [];
        let invalid = history.invalid;
        if (description.status.name === 'RUNNING') {
          // Refused calls and pending requests live in the run's state (bounded: the worker may be gone).
          const state = await client.connection.withDeadline(Date.now() + 3_000, () => handle.query(stateQuery)).catch(() => undefined);
          pending = pendingCount(description.searchAttributes as Record<string, unknown>) > 0 ? (state?.pendingApprovals ?? []) : [];
          invalid = (state?.actions ?? []).filter((a) => a.decision === 'invalid' && a.auditRecordId === undefined);
        }
        return {
          workflowId,
          runId: description.runId,
          status: description.status.name,
          taskQueue: description.taskQueue,
          startTime: description.startTime.toISOString(),
          closeTime: description.closeTime?.toISOString() ?? null,
          steps: history.steps,
          invalid,
          denied: history.denied,
          pendingApprovals: pending,
          ...(history.end?.detail ? { error: history.end.detail } : {}),
        };
      });
      if (options.output !== 'text') io.out(`${JSON.stringify(shown)}\n`);
      else {
        io.out(
          `${printable(`${shown.workflowId} ${shown.status} on ${shown.taskQueue}, started ${shown.startTime}${shown.closeTime ? `, closed ${shown.closeTime}` : ''}`)}\n`,
        );
        for (const entry of interleave(shown.steps, shown.invalid)) io.out('step' in entry ? formatStep(entry.step) : formatInvalidCall(entry.invalid));
        for (const p of shown.pendingApprovals) io.out(formatApprovalPending(shown.workflowId, p));
        if (shown.error) io.out(`  ${printable(shown.error)}\n`);
      }
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'status', err));
    }
  });
}
