/**
 * `agent-os approve <workflowId> <requestId> --allow|--deny [--reason …]` — answers a
 * pending `ask` of a running run through its `approve` update (recorded in the run's
 * history and, for an allow, in the kernel's audit log as `approved_by`).
 * Exit codes: 0 answered, 1 refused by the run / unreachable, 2 usage.
 */
import * as os from 'node:os';
import type { Command } from 'commander';
import { approveUpdate } from '../workflows/messages';
import type { ApprovalDecision } from '../workflows/types';
import { errorMessage, withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { processIo, type CliIo } from './policy-io';

interface ApproveCliOptions extends ConnectionFlags {
  readonly allow?: boolean;
  readonly deny?: boolean;
  readonly reason?: string;
  readonly approver?: string;
  readonly json?: boolean;
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

/** Registers `agent-os approve`. */
export function registerApproveCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    program
      .command('approve')
      .description('allow or deny a pending action of a running run')
      .argument('<workflowId>', 'the run')
      .argument('<requestId>', 'the pending request (see `agent-os approvals list`)')
      .option('--allow', 'let the action run')
      .option('--deny', 'refuse the action')
      .option('--reason <text>', 'why (recorded in the run\'s history)')
      .option('--approver <name>', 'who decides (default: $AGENT_OS_APPROVER or $USER)')
      .option('--json', 'print the answer as JSON'),
  ).action(async (workflowId: string, requestId: string, options: ApproveCliOptions) => {
    if (Boolean(options.allow) === Boolean(options.deny)) {
      io.err('agent-os approve: pass exactly one of --allow or --deny\n');
      io.setExitCode(2);
      return;
    }
    const decision: ApprovalDecision = {
      requestId,
      allow: options.allow === true,
      approver: options.approver ?? defaultApprover(),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
    };
    try {
      const answer = await withClient(options, (client) => client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [decision] }));
      io.out(options.json ? `${JSON.stringify({ workflowId, ...answer, approver: decision.approver })}\n` : `${workflowId}: ${requestId} ${answer.allow ? 'allowed' : 'denied'} by ${decision.approver}\n`);
      io.setExitCode(0);
    } catch (err) {
      const message = errorMessage((err as { cause?: unknown }).cause ?? err);
      io.err(`agent-os approve: ${errorMessage(err)}${message !== errorMessage(err) ? `: ${message}` : ''}\n`);
      io.setExitCode(1);
    }
  });
}
