/**
 * redteam15c: `agent-os submit fs.read …` (text) printed what it read raw — a file the agent
 * wrote (`/workspace/output/report.md`) with ESC sequences rewrote the operator's terminal
 * when the operator looked at it, or set the clipboard (OSC 52); the status line quoted a
 * provider's error text raw too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResult } from '../../src/cli/submit';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('submit (text): data and error with ESC/CR/OSC 52 → lines kept, every control escaped', () => {
  const read = formatResult('fs.read', '/workspace/output/report.md', {
    status: 'OK',
    data: '# Report\n\tok\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[1A\u001b[2K\rall clear\n',
  });
  assert.doesNotMatch(read, UNSAFE, JSON.stringify(read));
  assert.match(read, /^OK fs\.read \/workspace\/output\/report\.md\n# Report\n\tok\\u001b\]52;c;/);
  const failed = formatResult('net.http', 'https://api.example.com/', { status: 'ERROR', error: 'upstream said \u001b[2K\rOK', code: 'Provider.Http' });
  assert.doesNotMatch(failed, UNSAFE, JSON.stringify(failed));
  assert.equal(failed.split('\n').length, 2);
});
