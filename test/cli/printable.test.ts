import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable } from '../../src/cli/printable';

test('printable: control, separator and every bidirectional control character (the Arabic letter mark U+061C too) → shown as \\uXXXX; other text unchanged', () => {
  assert.equal(printable('a\u001b[2Kb'), 'a\\u001b[2Kb');
  assert.equal(printable('x\u061cy\u200fz\u202e\u2066\u2028'), 'x\\u061cy\\u200fz\\u202e\\u2066\\u2028');
  assert.equal(printable('/workspace/café → ok'), '/workspace/café → ok');
});
