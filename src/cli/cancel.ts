/**
 * `agent-os cancel -w <id>` — asks a running run to stop (a Temporal cancellation: the run
 * undoes its reversible actions as it unwinds, then ends as canceled).
 */
import type { Command } from 'commander';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, withOptionalWorkflowIdOption, withOutputAndJsonAlias, workflowIdOf, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';

interface CancelCliOptions extends ConnectionFlags {
  readonly workflowId?: string;
  readonly output: OutputFormat;
}

/** Registers `agent-os cancel`. @public main.ts loads it by name. */
export function registerCancelCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      withOptionalWorkflowIdOption(
        program
          .command('cancel')
          .description('cancel a running run (it undoes its reversible actions as it stops)')
          .argument('[workflowId]', 'the run (same as -w)'),
      ),
    ),
  ).action(async (positional: string | undefined, options: CancelCliOptions) => {
    try {
      const workflowId = workflowIdOf(positional, options.workflowId);
      await withClient(options, async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING')
          throw new CliError(`${workflowId} is ${description.status.name.toLowerCase()} already; nothing to cancel`, ExitCode.Failure);
        await handle.cancel();
      });
      io.out(
        options.output === 'text'
          ? `${workflowId}: cancel requested — follow it with \`agent-os status -w ${workflowId}\`\n`
          : `${JSON.stringify({ workflowId, status: 'cancel requested' })}\n`,
      );
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'cancel', err));
    }
  });
}
