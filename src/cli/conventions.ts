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

/** Adds `-o, --output <format>` (text by default). */
export function withOutputOption(command: Command): Command {
  return command.addOption(
    new Option('-o, --output <format>', 'output format').choices(Object.values(OutputFormat)).default(OutputFormat.Text),
  );
}

/** Adds `-w, --workflow-id <id>` (required). */
export function withWorkflowIdOption(command: Command): Command {
  return command.requiredOption('-w, --workflow-id <id>', 'the run (workflow id)');
}
