import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable, printableText } from '../../src/cli/printable';

test('printable: control, separator and every bidirectional control character (the Arabic letter mark U+061C too) → shown as \\uXXXX; other text unchanged', () => {
  assert.equal(printable('a\u001b[2Kb'), 'a\\u001b[2Kb');
  assert.equal(printable('x\u061cy\u200fz\u202e\u2066\u2028'), 'x\\u061cy\\u200fz\\u202e\\u2066\\u2028');
  assert.equal(printable('/workspace/café → ok'), '/workspace/café → ok');
});

test('printableText: line feeds and tabs stay; ESC, CR, C1 and bidirectional controls → shown as \\uXXXX', () => {
  assert.equal(printableText('one\n\ttwo\u001b]52;c;eA==\u0007\r\u009b2K\u202e'), 'one\n\ttwo\\u001b]52;c;eA==\\u0007\\u000d\\u009b2K\\u202e');
  assert.equal(printableText('# Report\n\n1 row, café\n'), '# Report\n\n1 row, café\n');
});
