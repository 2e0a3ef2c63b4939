#!/usr/bin/env node
/**
 * `agent-os` — the command-line entry point. Each command lives in its own file and
 * registers itself on the program; this file only wires them together, adds the exit-code
 * table to every `--help` and `--log-level`, and turns an escaped error into one line.
 */
import { Command, Option } from 'commander';
import { registerVersion } from './version';
import { EXIT_CODES_HELP, ExitCode } from './conventions';
import { LogLevel, setLogLevel } from './log-level';
import { processIo } from './policy-io';
import { reportError } from './report-error';

/** Appends the exit-code table to the help of `command` and of every subcommand. */
function withExitCodesHelp(command: Command): void {
  command.addHelpText('after', EXIT_CODES_HELP);
  for (const sub of command.commands) withExitCodesHelp(sub);
}

/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Every command, in `--help` order, with the module that registers it. Modules load only when
 * their command runs (or for `--help` and unknown commands): loading all of them costs
 * seconds (Temporal's worker, openai, …) that `agent-os approve` or `submit` never use.
 */
const COMMANDS: ReadonlyArray<{ readonly names: readonly string[]; readonly register: () => (program: Command) => unknown }> = [
  { names: ['dev'], register: () => (require('./dev') as typeof import('./dev')).registerDevCommand },
  { names: ['worker'], register: () => (require('./worker') as typeof import('./worker')).registerWorkerCommand },
  { names: ['run'], register: () => (require('./run') as typeof import('./run')).registerRunCommand },
  { names: ['submit'], register: () => (require('./submit') as typeof import('./submit')).registerSubmitCommand },
  { names: ['status'], register: () => (require('./status') as typeof import('./status')).registerStatusCommand },
  { names: ['list'], register: () => (require('./list') as typeof import('./list')).registerListCommand },
  { names: ['cancel'], register: () => (require('./cancel') as typeof import('./cancel')).registerCancelCommand },
  { names: ['approve'], register: () => (require('./approve') as typeof import('./approve')).registerApproveCommand },
  { names: ['approvals'], register: () => (require('./approvals') as typeof import('./approvals')).registerApprovalsCommand },
  { names: ['rollback'], register: () => (require('./rollback') as typeof import('./rollback')).registerRollbackCommand },
  { names: ['freeze', 'unfreeze'], register: () => (require('./freeze') as typeof import('./freeze')).registerFreezeCommands },
  { names: ['audit'], register: () => (require('./audit') as typeof import('./audit')).registerAuditCommand },
  { names: ['policy'], register: () => (require('./policy') as typeof import('./policy')).registerPolicyCommand },
  { names: ['mcp'], register: () => (require('./mcp') as typeof import('./mcp')).registerMcpCommand },
  { names: ['codec-server'], register: () => (require('./codec-server') as typeof import('./codec-server')).registerCodecServerCommand },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** The command `argv` (node, script, args…) names, if it names one: its first operand after the program's own options. */
function namedCommand(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--log-level') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The commands to register for `argv`: the one it names, none for the version, else all. */
function commandsFor(argv: readonly string[] | undefined): typeof COMMANDS {
  if (argv === undefined) return COMMANDS;
  const name = namedCommand(argv);
  if (name === 'version' || (name === undefined && argv.some((a) => a === '-V' || a === '--version'))) return [];
  const named = COMMANDS.filter((c) => name !== undefined && c.names.includes(name));
  return named.length > 0 ? named : COMMANDS;
}

/**
 * Builds the `agent-os` program (exported for tests). With `argv` naming a command, only that
 * command is registered (and its module loaded); otherwise — help, no or an unknown command — all are.
 */
export function buildProgram(argv?: readonly string[]): Command {
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
  for (const command of commandsFor(argv)) command.register()(program);
  withExitCodesHelp(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram(argv);
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
