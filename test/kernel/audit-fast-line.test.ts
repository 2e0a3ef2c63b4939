/**
 * The audit line is built field by field (audit-record.ts chainEntryLine, json-text.ts) instead
 * of through JSON.stringify of a record object, and remembers the JSON text of repeated values.
 * Property: for random entries — strings with quotes, backslashes, control characters, lone and
 * paired surrogates, non-ASCII; numbers of every kind — and random sequences of them (so the
 * memos hit and miss), the line is byte for byte the canonical serialisation `audit verify`
 * checks, its hash is the record hash, and it parses back to the record. The same for the fast
 * JSON of flat params (params_hash). A seeded generator makes every failure reproducible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type AuditEntry,
  FIELDS_V2,
  GENESIS_HASH,
  canonicalJson,
  canonicalLine,
  chainEntryLine,
  computeRecordHash,
  hashParams,
  sha256,
} from '../../src/kernel/audit-record';
import { JsonMemo, jsonScalar, jsonString } from '../../src/kernel/json-text';
import { mulberry32 } from '../helpers/random';

const PIECES = [
  'a',
  'Z',
  '0',
  '/',
  '.',
  ' ',
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0085',
  'é',
  '€',
  '\u2028',
  '😀',
  '\ud800',
  '\udfff',
  'x'.repeat(40),
];
const NUMBERS = [0, -0, 1, -1, 0.001, 0.012, 1.5, 123.456, 1e21, 1e-7, 2 ** 53, -(2 ** 31), Number.MAX_VALUE, Number.MIN_VALUE];
/** The fields of an entry: format v2's, without those the chain adds. */
const FIELDS = FIELDS_V2.filter((k) => k !== 'v' && k !== 'seq' && k !== 'prev' && k !== 'hash');

function randomString(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)] as string;
  return s;
}

function randomValue(r: () => number): string | number {
  if (r() < 0.2) return NUMBERS[Math.floor(r() * NUMBERS.length)] as number;
  if (r() < 0.1) return (r() - 0.5) * 10 ** Math.floor(r() * 30 - 10);
  return randomString(r);
}

/** A random entry; with `reuse`, values of the previous entry come back (the memos' hits). */
function randomEntry(r: () => number, previous: Record<string, unknown> | undefined): AuditEntry {
  const entry: Record<string, unknown> = {};
  for (const field of FIELDS) {
    if (r() < 0.35) continue;
    entry[field] = previous !== undefined && r() < 0.5 && previous[field] !== undefined ? previous[field] : randomValue(r);
  }
  // Insertion order must not matter: shuffle the keys.
  const keys = Object.keys(entry).sort(() => r() - 0.5);
  return Object.fromEntries(keys.map((k) => [k, entry[k]])) as unknown as AuditEntry;
}

test('property: jsonString / jsonScalar / JsonMemo give JSON.stringify bytes for random strings and numbers', () => {
  const seed = 20261201;
  const r = mulberry32(seed);
  const memo = new JsonMemo();
  let last = '';
  for (let i = 0; i < 20_000; i++) {
    const s = r() < 0.3 ? last : randomString(r);
    last = s;
    assert.equal(jsonString(s), JSON.stringify(s), `case ${i} (seed ${seed}): ${JSON.stringify(s)}`);
    assert.equal(memo.of(s), JSON.stringify(s), `memo, case ${i} (seed ${seed}): ${JSON.stringify(s)}`);
    const n = randomValue(r);
    assert.equal(jsonScalar(n), JSON.stringify(n), `case ${i} (seed ${seed}): ${String(n)}`);
  }
  for (const bad of [NaN, Infinity, -Infinity, null, true, {}, [], undefined, 1n]) {
    assert.equal(jsonScalar(bad), undefined);
    assert.equal(memo.of(bad), undefined);
  }
});

test('property: chainEntryLine of random entries = the canonical line audit verify checks, hash included', () => {
  const seed = 4242;
  const r = mulberry32(seed);
  let prev = GENESIS_HASH;
  let previous: Record<string, unknown> | undefined;
  for (let seq = 1; seq <= 5_000; seq++) {
    const entry = randomEntry(r, previous);
    previous = entry as unknown as Record<string, unknown>;
    const msg = `seq ${seq} (seed ${seed}): ${JSON.stringify(entry)}`;
    const { record, line } = chainEntryLine(entry, seq, prev);
    assert.equal(line, `${canonicalLine(record as unknown as Record<string, unknown>)}\n`, msg);
    assert.equal(record.hash, computeRecordHash(record), msg);
    assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(record)), msg); // (-0 reads back as 0)
    // The reference: the record's fields in format order, through JSON.stringify.
    const { hash, ...rest } = record;
    assert.equal(hash, sha256(JSON.stringify(rest)), msg);
    assert.equal(record.prev, prev, msg);
    assert.equal(record.seq, seq, msg);
    prev = hash;
  }
});

test('chainEntryLine refuses what the format cannot hold, as before', () => {
  const base = { timestamp: 't', action: 'fs.read', target: '/x', status: 'OK', duration_ms: 1, policy_hash: 'p', params_hash: 'q' };
  const bad: Record<string, unknown>[] = [
    { ...base, extra: 'x' },
    { ...base, seq: 3 },
    { ...base, hash: 'h' },
    { ...base, v: 2 },
    { ...base, duration_ms: NaN },
    { ...base, duration_ms: Infinity },
    { ...base, target: null },
    { ...base, reason: { nested: true } },
    { ...base, code: true },
    Object.assign(Object.create({ error: 'inherited' }) as object, base),
  ];
  for (const entry of bad) {
    assert.throws(() => chainEntryLine(entry as unknown as AuditEntry, 1, GENESIS_HASH), TypeError, JSON.stringify(entry));
  }
  // undefined fields are dropped, as JSON.stringify drops them.
  const { line } = chainEntryLine({ ...base, reason: undefined } as unknown as AuditEntry, 1, GENESIS_HASH);
  assert.equal(JSON.parse(line).reason, undefined);
  assert.equal(line, `${canonicalLine(JSON.parse(line) as Record<string, unknown>)}\n`);
});

test('property: canonicalJson / hashParams of random flat params = sorted-key JSON.stringify', () => {
  const seed = 777;
  const r = mulberry32(seed);
  for (let i = 0; i < 5_000; i++) {
    const params: Record<string, unknown> = {};
    const n = Math.floor(r() * 5);
    for (let k = 0; k < n; k++) {
      const v = r();
      params[randomString(r)] = v < 0.1 ? null : v < 0.2 ? v < 0.15 : v < 0.3 ? NaN : v < 0.35 ? undefined : randomValue(r);
    }
    const expected = JSON.stringify(params, Object.keys(params).sort());
    const msg = `case ${i} (seed ${seed}): ${expected}`;
    assert.equal(canonicalJson(params), expected, msg);
    assert.equal(hashParams(params), sha256(expected), msg);
    assert.equal(hashParams({ ...params }), sha256(expected), `again: ${msg}`); // from the memo of short texts
  }
  // More distinct texts than the memo holds, each asked twice: never a stale or mixed-up hash.
  for (let i = 0; i < 2_000; i++) {
    for (const p of [{ n: i }, { s: 'x'.repeat(i % 300) }]) {
      const expected = sha256(JSON.stringify(p));
      assert.equal(hashParams(p), expected);
      assert.equal(hashParams(p), expected);
    }
  }
  assert.equal(hashParams({}), sha256('{}'));
  assert.equal(hashParams(undefined), sha256('{}'));
  assert.equal(hashParams({ a: undefined }), sha256('{}'));
});
