/**
 * redteam15c: the worker's log lines quote what others wrote — the model endpoint's error text
 * (`callModel attempt 3 failed: Model.BadRequest: …`), an undo's reason naming the agent's
 * target — and were written raw to the operator's terminal or journal, so an endpoint could
 * erase earlier lines and print a forged one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry } from '@temporalio/worker';
import { formatSdkEntry } from '../../src/cli/worker-logger';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('worker log: an activity failure whose message carries ESC/CR/bidi controls → one line, every control escaped', () => {
  const entry = {
    level: 'WARN',
    message: 'Activity failed',
    timestampNanos: 0n,
    meta: {
      activityType: 'callModel',
      attempt: 3,
      error: { type: 'Model.BadRequest', message: 'model endpoint answered 400: x\u001b[1A\u001b[2K\ragent-os worker: INFO all good\u202e\nforged' },
    },
  } as unknown as LogEntry;
  const line = formatSdkEntry(entry);
  assert.ok(line.endsWith('\n'));
  assert.doesNotMatch(line.slice(0, -1), UNSAFE, JSON.stringify(line));
  assert.match(line, /x\\u001b\[1A\\u001b\[2K\\u000dagent-os worker/);
});
