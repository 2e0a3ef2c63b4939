#!/usr/bin/env node
/**
 * `agent-os` — the command-line entry point. Each command lives in its own file and
 * registers itself on the program; this file only wires them together, adds the exit-code
 * table to every `--help` and `--log-level`, and turns an escaped error into one line.
 */
import { Command, Option } from 'commander';
import { registerDevCommand } from './dev';
import { registerAuditCommand } from './audit';
import { registerPolicyCommand } from './policy';
import { registerWorkerCommand } from './worker';
import { registerRunCommand } from './run';
import { registerRollbackCommand } from './rollback';
import { registerApproveCommand } from './approve';
import { registerApprovalsCommand } from './approvals';
import { registerSubmitCommand } from './submit';
import { registerCancelCommand } from './cancel';
import { registerStatusCommand } from './status';
import { registerListCommand } from './list';
import { registerVersion } from './version';
import { registerFreezeCommands } from './freeze';
import { registerMcpCommand } from './mcp';
import { registerCodecServerCommand } from './codec-server';
import { EXIT_CODES_HELP, ExitCode } from './conventions';
import { LogLevel, setLogLevel } from './log-level';
import { processIo } from './policy-io';
import { reportError } from './report-error';

/** Appends the exit-code table to the help of `command` and of every subcommand. */
function withExitCodesHelp(command: Command): void {
  command.addHelpText('after', EXIT_CODES_HELP);
  for (const sub of command.commands) withExitCodesHelp(sub);
}

/** Builds the `agent-os` program with every command registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('agent-os')
    .description('Security kernel for LLM agents on Temporal')
    .addOption(
      new Option('--log-level <level>', 'error | warn | info | debug (debug adds stack traces to errors)')
        .choices(Object.values(LogLevel))
        .env('AGENT_OS_LOG_LEVEL'),
    )
    .showHelpAfterError()
    .exitOverride();
  program.hook('preAction', (thisCommand, actionCommand) => {
    const level = thisCommand.opts()['logLevel'] as LogLevel | undefined;
    if (level !== undefined) setLogLevel(level);
    // Commands written against `--json` see it set for `-o json` and `-o jsonl` too.
    const output = actionCommand.getOptionValue('output') as unknown;
    if (output === 'json' || output === 'jsonl') actionCommand.setOptionValue('json', true);
  });
  registerVersion(program);
  registerDevCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerSubmitCommand(program);
  registerStatusCommand(program);
  registerListCommand(program);
  registerCancelCommand(program);
  registerApproveCommand(program);
  registerApprovalsCommand(program);
  registerRollbackCommand(program);
  registerFreezeCommands(program);
  registerAuditCommand(program);
  registerPolicyCommand(program);
  registerMcpCommand(program);
  registerCodecServerCommand(program);
  withExitCodesHelp(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return ExitCode.Ok;
    if (typeof code === 'string' && code.startsWith('commander.')) return ExitCode.Usage;
    return reportError(processIo, program.args[0] ?? '', err);
  }
}

if (require.main === module) {
  // Node's deprecation notices (e.g. TLS to an IP address) are not the operator's business.
  if (process.env['AGENT_OS_LOG_LEVEL'] !== 'debug' && !process.argv.includes('debug')) process.noDeprecation = true;
  // `agent-os … | head` closes the pipe early: that is not a crash, stop writing quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
