/**
 * `agent-os approve <workflowId> <requestId> --allow|--deny [--reason …]` — answers a
 * pending `ask` of a running run through its `approve` update (recorded in the run's
 * history and, for an allow, in the kernel's audit log as `approved_by`).
 * Exit codes: 0 answered, 1 refused by the run / unreachable, 2 usage.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { approveUpdate } from '../workflows/messages';
import type { ApprovalDecision } from '../workflows/types';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, withOptionalWorkflowIdOption, withOutputAndJsonAlias, workflowIdOf, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { describeError, reportError } from './report-error';

interface ApproveCliOptions extends ConnectionFlags {
  readonly allow?: boolean;
  readonly deny?: boolean;
  readonly reason?: string;
  readonly approver?: string;
  readonly workflowId?: string;
  readonly output: OutputFormat;
}

/** Who approves when `--approver` is not given: `$AGENT_OS_APPROVER`, else the OS user name. */
export function defaultApprover(env: NodeJS.ProcessEnv = process.env): string {
  return env['AGENT_OS_APPROVER'] || env['USER'] || safeUserName();
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Registers `agent-os approve`. @public main.ts loads it by name. */
export function registerApproveCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      withOptionalWorkflowIdOption(
        program
          .command('approve')
          .description('allow or deny a pending action of a running run')
          .argument('[workflowId]', 'the run (same as -w)')
          .argument('[requestId]', 'the pending request (see `agent-os approvals list` or `agent-os status -w ID`)')
          .option('--allow', 'let the action run')
          .option('--deny', 'refuse the action')
          .option('--reason <text>', "why (recorded in the run's history)")
          .option('--approver <name>', 'who decides (default: $AGENT_OS_APPROVER or $USER)'),
      ),
    ),
  ).action(async (first: string | undefined, second: string | undefined, options: ApproveCliOptions) => {
    try {
      // `approve -w ID REQ` and the older `approve ID REQ` both work.
      const [positionalId, requestId] = options.workflowId !== undefined && second === undefined ? [undefined, first] : [first, second];
      const workflowId = workflowIdOf(positionalId, options.workflowId);
      if (requestId === undefined) throw new CliError('missing the request id: agent-os approve -w <workflowId> <requestId> --allow|--deny', ExitCode.Usage);
      if (Boolean(options.allow) === Boolean(options.deny)) throw new CliError('pass exactly one of --allow or --deny', ExitCode.Usage);
      const decision: ApprovalDecision = {
        requestId,
        allow: options.allow === true,
        approver: options.approver ?? defaultApprover(),
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      };
      const answer = await withClient(options, (client) =>
        client.workflow
          .getHandle(workflowId)
          .executeUpdate(approveUpdate, { args: [decision] })
          .catch((err: unknown) => {
            const why = describeError(err);
            if (why.includes('unknown approval request'))
              throw new CliError(`${workflowId}: ${why.replace(/^.*?(unknown approval request)/, '$1')}`, ExitCode.NotFound, { cause: err });
            throw err;
          }),
      );
      io.out(
        options.output !== 'text'
          ? `${JSON.stringify({ workflowId, ...answer, approver: decision.approver })}\n`
          : `${workflowId}: ${requestId} ${answer.allow ? 'allowed' : 'denied'} by ${decision.approver}\n`,
      );
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'approve', err));
    }
  });
}
