/**
 * redteam15c: `agent-os dev` printed a failed run's message raw — with a real model the message
 * quotes the endpoint's error text and, after a failed compensation, the agent's targets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { devPrinter } from '../../src/cli/dev-output';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('dev (text): a failed run whose message carries ESC/CR → printed escaped, one line each', () => {
  let out = '';
  const printer = devPrinter(false, (t) => (out += t));
  printer.end(
    { status: 'failed', detail: 'Model.BadRequest: model endpoint answered 400: x\u001b[1A\u001b[2K\ragent-os dev: run completed' },
    [],
    [],
    'http://ui',
  );
  for (const line of out.replace(/\n$/, '').split('\n')) assert.doesNotMatch(line, UNSAFE, JSON.stringify(out));
  assert.match(out, /x\\u001b\[1A/);
});
