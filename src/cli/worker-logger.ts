/**
 * The worker's log: the Temporal SDK's own lines, one line each, at the CLI's
 * `--log-level` (info shows only warnings and errors from the SDK — no bundler output;
 * debug shows everything, with stack traces). An activity failure reads
 * `agent-os worker: WARN callModel attempt 3 failed: Model.Connection: model endpoint … unreachable`.
 */
import { DefaultLogger, Runtime, type LogEntry, type RuntimeOptions } from '@temporalio/worker';
import { isDebug, logLevel } from './log-level';
import { printable, printableText } from './printable';

type SdkLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

function sdkLevel(): SdkLevel {
  const level = logLevel();
  return level === 'debug' ? 'DEBUG' : level === 'error' ? 'ERROR' : 'WARN';
}

/**
 * One line for an SDK log entry (the stack only at debug). Escaped (printable.ts): messages
 * quote the model endpoint's error text and the agent's targets (an undo's reason).
 */
export function formatSdkEntry(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const error = meta['error'] as { message?: unknown; type?: unknown; stack?: unknown } | undefined;
  const what = [meta['activityType'] ?? meta['workflowType'], meta['attempt'] !== undefined ? `attempt ${String(meta['attempt'])}` : undefined]
    .filter((x) => x !== undefined)
    .map(String)
    .join(' ');
  const why = error ? `: ${typeof error.type === 'string' ? `${error.type}: ` : ''}${String(error.message ?? '')}` : '';
  let line = printable(`agent-os worker: ${entry.level} ${entry.message}${what ? ` (${what})` : ''}${why}`);
  if (isDebug()) {
    const rest = Object.fromEntries(Object.entries(meta).filter(([k]) => k !== 'error'));
    line += ` ${printable(JSON.stringify(rest))}`;
    if (typeof error?.stack === 'string') line += `\n${printableText(error.stack)}`;
  }
  return `${line}\n`;
}

/**
 * Installs the Temporal runtime with this logger. Must run before any connection is made
 * (a connection creates the default runtime). A runtime that exists already (embedded use)
 * is kept.
 */
export function installWorkerLogger(
  write: (line: string) => void = (line) => void process.stderr.write(line),
  telemetryOptions?: RuntimeOptions['telemetryOptions'],
): void {
  try {
    Runtime.install({ logger: new DefaultLogger(sdkLevel(), (entry) => write(formatSdkEntry(entry))), ...(telemetryOptions ? { telemetryOptions } : {}) });
  } catch {
    /* a runtime exists already: keep it */
  }
}
