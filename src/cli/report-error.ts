/**
 * How every command turns an error into one line on stderr and an exit code
 * ({@link ExitCode}): what went wrong, where, and how to fix it — never a raw stack trace
 * (`--log-level debug` adds it).
 */
import { CliError, ExitCode } from './conventions';
import { isDebug } from './log-level';
import type { CliIo } from './policy-io';
import { printableText } from './printable';

/** gRPC status codes the CLI tells apart. */
const Grpc = { DeadlineExceeded: 4, NotFound: 5, FailedPrecondition: 9, Unavailable: 14 } as const;

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly path?: unknown;
  readonly syscall?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

function fields(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : {};
}

/** Temporal answers NOT_FOUND for a run that exists but has closed: that is a refusal, not a typo. */
function closedRun(err: unknown): boolean {
  const { message } = fields(err);
  return typeof message === 'string' && message.includes('workflow execution already completed');
}

/** The exit code for an error (see {@link ExitCode}). */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (closedRun(err)) return ExitCode.Failure;
  const { name, code } = fields(err);
  if (name === 'WorkflowNotFoundError' || name === 'NamespaceNotFoundError' || code === Grpc.NotFound) return ExitCode.NotFound;
  if (code === 'Client.TemporalUnreachable' || code === Grpc.Unavailable || code === Grpc.DeadlineExceeded) return ExitCode.Unavailable;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') return ExitCode.Usage;
  if (
    typeof code === 'string' &&
    (code.startsWith('Policy.') || code === 'Client.InvalidToolsFile' || code === 'Fs.InvalidMount' || code === 'Client.StateInWorkspace')
  )
    return ExitCode.Usage;
  const cause = fields(err).cause;
  if (cause !== undefined && cause !== err) {
    const fromCause = exitCodeOf(cause);
    if (fromCause !== ExitCode.Failure) return fromCause;
  }
  return ExitCode.Failure;
}

/**
 * One line saying what failed: file errors name the path (`no such file: policy.yaml`),
 * wrapped errors add their cause's message once.
 */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  const { code, path, message, name } = fields(err);
  if (typeof code === 'string' && typeof path === 'string' && code.startsWith('E')) {
    if (code === 'ENOENT') return `no such file: ${path} — check the path`;
    if (code === 'EACCES') return `permission denied: ${path}`;
    if (code === 'EISDIR') return `${path} is a folder, expected a file`;
    return `${path}: ${code}`;
  }
  if (closedRun(err)) return 'the run has completed already: it takes no more updates or cancellations — see `agent-os status -w <id>`';
  if (name === 'WorkflowNotFoundError') return `no such run: ${String(message)} — list runs with \`agent-os list\``;
  const text = typeof message === 'string' ? message : String(err);
  const cause = fields(err).cause;
  // The project's own errors (dotted codes) say everything already; others get their cause once.
  const selfContained = typeof code === 'string' && /^[A-Z]\w*\.\w+/.test(code);
  if (cause !== undefined && cause !== err && !selfContained) {
    const inner = describeError(cause);
    if (inner !== '' && !text.includes(inner)) return `${text}: ${inner}`;
  }
  return text;
}

/**
 * Writes `agent-os <command>: <what>` (plus the stack with `--log-level debug`); returns the exit code.
 * Escaped (printable.ts; line feeds stay, for policy problems): messages quote run failures, key ids and targets from history.
 */
export function reportError(io: CliIo, command: string, err: unknown): ExitCode {
  io.err(`agent-os ${command}: ${printableText(describeError(err))}\n`);
  if (isDebug() && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  return exitCodeOf(err);
}
