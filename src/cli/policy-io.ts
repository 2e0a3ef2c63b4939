/**
 * Output and option plumbing shared by the `agent-os policy` subcommands.
 */
import { hasErrorCode } from '../errors';

/** Where a command writes, and how it reports its exit code (injectable for in-process tests). */
export interface CliIo {
  /** Writes one chunk to standard output (the caller adds newlines). */
  out(text: string): void;
  /** Writes one chunk to standard error. */
  err(text: string): void;
  /** Records the exit code: 0 success, 1 failed check, 2 usage error. */
  setExitCode(code: number): void;
}

/** The real process streams; sets `process.exitCode` (never calls `process.exit`). */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Collects repeated `--extra-action NAME` values. */
export function collectExtraAction(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Reports an error thrown while reading or loading; returns the exit code to use.
 * Bad options (`Policy.InvalidOptions`) and unreadable files (`Policy.FileUnreadable`) are usage
 * errors (2); anything else fails the check (1).
 */
export function reportCliError(io: CliIo, err: unknown, json: boolean, file: string): number {
  const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  if (json) io.out(`${JSON.stringify({ file, ok: false, error: { code, message } })}\n`);
  else io.err(`agent-os policy: ${message}\n`);
  return hasErrorCode(err, 'Policy.InvalidOptions') || hasErrorCode(err, 'Policy.FileUnreadable') ? 2 : 1;
}
