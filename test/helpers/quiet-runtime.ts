/**
 * The tests' Temporal runtime logger: warnings and above only, and of those only the ones a
 * test does not cause on purpose — an activity failing with one of our typed failures (an
 * ApplicationFailure with a dotted type, or a cancellation), a run ending in failure, and
 * warnings our workflow code logs (e.g. a failed undo the saga records) are the behaviour
 * under test, not noise to read. What is left is printed on one line, without a stack trace.
 *
 * Loaded before any test code (`node --require` from scripts/run-tests.js, and by
 * helpers/temporal.ts for a file run on its own); a runtime already installed is kept.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

/** True for a log entry a test provokes on purpose. */
export function isExpectedLog(entry: LogEntry): boolean {
  const meta = entry.meta ?? {};
  if (meta['sdkComponent'] === 'workflow' && entry.level === 'WARN') return true;
  // A run that ends in failure is an outcome the test asserts from its result or history (the
  // error reaches this logger through the sandbox's sink without its type, so it cannot be told apart).
  if (entry.message === 'Workflow failed') return true;
  // createAgentWorker's workspace-queue worker hosts activities only, by design.
  if (entry.message.startsWith('No workflows registered, not polling for workflow tasks')) return true;
  if (entry.message === 'Activity failed') return isTypedFailure(meta['error']);
  // A codec refusal (Codec.*: wrong keys, a moved or plaintext payload) fails the task on purpose in the codec tests.
  if (entry.message === 'Failed to process Workflow Activation')
    return /^Codec[A-Za-z]*Error$/.test(String((meta['error'] as { name?: unknown } | undefined)?.name));
  return false;
}

/** A failure of ours: somewhere in its cause chain an ApplicationFailure with a dotted type, or a cancellation. */
function isTypedFailure(error: unknown): boolean {
  for (let e = error as { type?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string' || e.name === 'CancelledFailure' || e.name === 'AbortError') return true;
  }
  return false;
}

function oneLine(entry: LogEntry): string {
  const meta = entry.meta ?? {};
  const error = meta['error'] as { name?: unknown; message?: unknown } | undefined;
  const where = [meta['taskQueue'], meta['workflowType'], meta['activityType']].filter((x) => typeof x === 'string').join(' ');
  const why = error !== undefined ? ` — ${String(error.name)}: ${String(error.message)}` : '';
  return `[temporal ${entry.level}] ${entry.message}${where ? ` (${where})` : ''}${why}\n`;
}

try {
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      if (!isExpectedLog(entry)) process.stderr.write(oneLine(entry));
    }),
  });
} catch {
  /* a runtime is already installed (or in use): keep it */
}
