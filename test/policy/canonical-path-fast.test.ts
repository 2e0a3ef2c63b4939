/**
 * canonicalPath recognises a path already in canonical form in one pass (isCanonicalText) and
 * skips the split/normalise/length checks for it. Property: on random paths — `.`, `..`, `//`,
 * trailing `/`, backslashes, C0/DEL/C1 controls, NUL, names of 255 and 256 characters, paths
 * near 4096 — and random realpath answers (including non-normal and non-absolute ones), the
 * result or refusal is exactly that of the previous implementation, kept here as the oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, isCanonicalText } from '../../src/policy/canonical-path';
import { InvalidTargetError } from '../../src/policy/canonical-errors';
import { assertTargetText } from '../../src/policy/target-text';
import { mulberry32 } from '../helpers/random';

/** canonicalPath as it was before the fast path (the oracle). */
function oracle(input: string, realpathOfExisting?: (p: string) => string): string {
  assertTargetText(input);
  if (input.includes('\\')) throw new InvalidTargetError(input, 'backslash', '');
  if (!input.startsWith('/')) throw new InvalidTargetError(input, 'relative', '');
  const normal = normalize(input);
  assertNames(input, normal);
  if (realpathOfExisting === undefined) return normal;
  let real: unknown;
  try {
    real = realpathOfExisting(normal);
  } catch (err) {
    throw new InvalidTargetError(input, 'symlinks', '', { cause: err });
  }
  if (typeof real !== 'string' || !real.startsWith('/')) throw new InvalidTargetError(input, 'not absolute', '');
  assertTargetText(real);
  const resolved = normalize(real);
  assertNames(input, resolved);
  return resolved;
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return '/' + out.join('/');
}

function assertNames(input: string, path: string): void {
  for (const segment of path.split('/')) if (segment.length > 255) throw new InvalidTargetError(input, 'long', '');
}

const SEGMENTS = [
  '',
  '.',
  '..',
  '...',
  '.git',
  'a',
  'workspace',
  'etc',
  'é',
  '😀',
  'a\\b',
  'x\u0000',
  'x\u0001',
  'x\u001f',
  'x\u007f',
  'x\u0085',
  'x\u009f',
  'x\u00a0',
  'x'.repeat(255),
  'y'.repeat(256),
];

/** 4096 characters (the longest target) of 255-character names. */
const LONGEST = ('/' + 'z'.repeat(255)).repeat(16);

function randomPath(r: () => number): string {
  if (r() < 0.02) return LONGEST.slice(0, LONGEST.length - Math.floor(r() * 3)) + (r() < 0.5 ? '' : '/z');
  const n = Math.floor(r() * 6);
  let p = r() < 0.9 ? '' : 'rel';
  for (let i = 0; i < n; i++) p += '/' + (SEGMENTS[Math.floor(r() * SEGMENTS.length)] as string);
  if (r() < 0.1) p += '/';
  return p === '' ? (r() < 0.5 ? '/' : '') : p;
}

function outcome(f: () => string): string {
  try {
    return `ok ${f()}`;
  } catch (err) {
    assert.ok(err instanceof InvalidTargetError, `not an InvalidTargetError: ${String(err)}`);
    return 'refused';
  }
}

test('property: canonicalPath with its fast path = the previous implementation, on 30000 random paths and realpath answers', () => {
  const seed = 31337;
  const r = mulberry32(seed);
  for (let i = 0; i < 30_000; i++) {
    const input = randomPath(r);
    const answer = r() < 0.7 ? randomPath(r) : input;
    const realpath = r() < 0.3 ? undefined : r() < 0.05 ? () => (r() < 0.5 ? (42 as unknown as string) : '') : () => answer;
    const msg = `case ${i} (seed ${seed}): ${JSON.stringify(input)} → realpath ${JSON.stringify(answer)}`;
    assert.equal(
      outcome(() => canonicalPath(input, realpath)),
      outcome(() => oracle(input, realpath)),
      msg,
    );
    if (isCanonicalText(input)) assert.equal(oracle(input), input, `fast path taken for a non-canonical path: ${msg}`);
  }
});

test('isCanonicalText: exactly the canonical paths', () => {
  for (const yes of ['/', '/a', '/a/b', '/...', '/a/.git', '/é/😀', '/' + 'x'.repeat(255), LONGEST]) assert.equal(isCanonicalText(yes), true, yes);
  for (const no of [
    '',
    'a',
    'a/b',
    '//',
    '/a/',
    '/./a',
    '/a/.',
    '/a/..',
    '/../a',
    '/a//b',
    '/a\\b',
    '/a\u0000',
    '/a\u007f',
    '/a\u0085',
    '/' + 'y'.repeat(256),
    LONGEST + '/z',
  ]) {
    assert.equal(isCanonicalText(no), false, JSON.stringify(no));
  }
  for (const notString of [undefined, null, 42, ['/a'], { length: 2 }]) assert.equal(isCanonicalText(notString), false);
  // A non-string target is refused as before, not with a TypeError.
  assert.throws(() => canonicalPath(42 as unknown as string), InvalidTargetError);
});
