/**
 * Conventions every `agent-os` command follows (owned by the CLI; see docs/usage.md):
 *
 * - one exit-code table, printed in every `--help` ({@link EXIT_CODES_HELP});
 * - `-o, --output text|json|jsonl` for what a command prints ({@link withOutputOption});
 * - `-w, --workflow-id <id>` for the run a command acts on, as the `temporal` CLI has it.
 */
import { Option, type Command } from 'commander';

/** Exit codes of every command. */
export const ExitCode = {
  /** Done, the check passed, the run completed. */
  Ok: 0,
  /** A check failed, a run failed, an action was refused or conflicted. */
  Failure: 1,
  /** Bad flags or arguments, or an input file that cannot be read or parsed. */
  Usage: 2,
  /** The Temporal server, a worker or the model endpoint cannot be reached in time. */
  Unavailable: 3,
  /** The workflow, record or other named thing does not exist. */
  NotFound: 4,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Default task queue of workers and runs (here, not in worker.ts, so `agent-os run` does not load the worker). */
export const DEFAULT_TASK_QUEUE = 'agent-os';

/** The exit-code table, appended to every command's `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  failure (a check failed, a run failed, an action was refused)
  2  usage (bad flags or arguments, unreadable input file)
  3  unavailable (Temporal server, worker or model endpoint not reachable)
  4  not found (no such workflow, record or file to act on)`;

/** Output formats of `-o/--output`. */
export const OutputFormat = { Text: 'text', Json: 'json', Jsonl: 'jsonl' } as const;

/** One of {@link OutputFormat}'s values. */
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

/** The `-o, --output <format>` option (text by default). */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(Object.values(OutputFormat)).default(OutputFormat.Text);
}

/** The `--json` option, an alias of `-o json` (main's hook also sets `json` for `-o json|jsonl`). */
export function jsonAliasOption(): Option {
  return new Option('--json', 'same as -o json (kept for compatibility)').implies({ output: OutputFormat.Json });
}

/** Adds `-o, --output <format>` (text by default). */
export function withOutputOption(command: Command): Command {
  return command.addOption(outputOption());
}

/** Adds `-o, --output <format>` and `--json` (kept as an alias of `-o json`). */
export function withOutputAndJsonAlias(command: Command): Command {
  return withOutputOption(command).addOption(jsonAliasOption());
}

/** Adds `-w, --workflow-id <id>` as an option a positional workflow id may stand in for. */
export function withOptionalWorkflowIdOption(command: Command): Command {
  return command.option('-w, --workflow-id <id>', 'the run (workflow id); a positional id is accepted too');
}

/**
 * An error a command reports as one line and an exit code (no stack trace).
 * @example throw new CliError('no such file: policy.yaml — check the path', ExitCode.Usage)
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/**
 * The workflow id a command acts on: `-w/--workflow-id`, or the positional one (kept for
 * compatibility). @throws CliError (usage) when neither or two different ones are given.
 */
export function workflowIdOf(positional: string | undefined, option: string | undefined): string {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new CliError(`two workflow ids given (${positional} and -w ${option}): pass one`, ExitCode.Usage);
  }
  const id = option ?? positional;
  if (id === undefined || id === '') throw new CliError('missing the workflow id: pass -w/--workflow-id <id>', ExitCode.Usage);
  return id;
}
