/**
 * The shape of one audit record, its canonical line and the hashing that chains records
 * together. Shared by the writer (audit-log.ts) and the checker (audit-verify.ts).
 *
 * Format versions (`v`, see {@link AUDIT_FORMAT_VERSION}):
 * - v0 (no `v` field; the release before versions): `hash` = sha256(canonical JSON of the
 *   record without `hash`, keys sorted); the line lists the keys in {@link FIELDS_V0} order.
 * - v1: the line lists the keys in {@link FIELDS_V1} order, starting with `"v":1`, and
 *   `hash` = sha256 of that line up to (without) `,"hash":…` plus `}` — one serialisation
 *   serves as line and hash input.
 * - v2: as v1 with {@link FIELDS_V2} (adds `exec_id`, linking a program run to the records
 *   of the connections its egress proxy decided).
 * In both, the line on disk must be byte-for-byte the canonical serialisation of the record
 * it parses to ({@link canonicalLine}): duplicate, reordered or unknown keys and extra
 * whitespace are refused by `audit verify`. A later change to the record adds a version
 * with its own field list; the lists of earlier versions never change, so old logs keep verifying.
 */
import { hash } from 'node:crypto';
import type { ActionStatus } from './types';
import { JsonMemo, jsonScalar, jsonString } from './json-text';
import { EMPTY_PARAMS } from './request';

/** The record format this release writes. */
export const AUDIT_FORMAT_VERSION = 2;

/** Key order of a v0 line (records without `v`). Never change. */
export const FIELDS_V0 = [
  'timestamp',
  'seq',
  'action',
  'target',
  'status',
  'canonical_target',
  'error',
  'code',
  'rule_id',
  'reason',
  'duration_ms',
  'policy_hash',
  'idempotency_key',
  'params_hash',
  'approved_by',
  'undo_of',
  'prev',
  'hash',
] as const;

/** Key order of a v1 line. Never change; a new field means a new version. */
export const FIELDS_V1 = [
  'v',
  'timestamp',
  'seq',
  'action',
  'target',
  'status',
  'canonical_target',
  'error',
  'code',
  'rule_id',
  'reason',
  'duration_ms',
  'policy_hash',
  'idempotency_key',
  'params_hash',
  'approved_by',
  'approval_identity',
  'undo_of',
  'undo_of_hash',
  'kernel_record',
  'prev',
  'hash',
] as const;

/** Key order of a v2 line: v1 plus `exec_id`. Never change; a new field means a new version. */
export const FIELDS_V2 = [...FIELDS_V1.slice(0, FIELDS_V1.indexOf('prev')), 'exec_id', 'prev', 'hash'] as const;

const FIELDS_BY_VERSION: ReadonlyMap<number, readonly string[]> = new Map<number, readonly string[]>([
  [0, FIELDS_V0],
  [1, FIELDS_V1],
  [2, FIELDS_V2],
]);

/** `prev` of the first record of a log. */
export const GENESIS_HASH = '0'.repeat(64);

/** One line of the audit log. Never holds params, file contents or secrets — only their hash. */
export interface AuditRecord {
  /** Record format version ({@link AUDIT_FORMAT_VERSION}); absent in v0 records. */
  readonly v?: number;
  /** ISO 8601 time the submit finished. */
  readonly timestamp: string;
  /** 1-based position in the chain; consecutive. */
  readonly seq: number;
  readonly action: string;
  /** The target as the agent wrote it. */
  readonly target: string;
  /** The target the policy judged, when the request got that far. */
  readonly canonical_target?: string;
  readonly status: ActionStatus;
  /** Seed wording for denials (`not permitted`), otherwise the failure message (its `auditMessage` when it quotes foreign text: src/errors.ts). */
  readonly error?: string;
  readonly code?: string;
  readonly rule_id?: string;
  readonly reason?: string;
  readonly duration_ms: number;
  /** sha256 of the policy source (combined over layers when the run narrows the policy). */
  readonly policy_hash: string;
  readonly idempotency_key?: string;
  /** sha256 of the canonical JSON of the params. */
  readonly params_hash: string;
  /** Who approved an `ask` decision, when one was needed. */
  readonly approved_by?: string;
  /** Who Temporal recorded as the caller of the approving or refusing update (v1). */
  readonly approval_identity?: string;
  /** For an undo (`Kernel.submitUndo`): the id of the record whose action it undoes. */
  readonly undo_of?: string;
  /** For an undo: the audit hash (`hash` in this log) of the record of the action it undoes (v1). */
  readonly undo_of_hash?: string;
  /** In a run export (`audit export`): the id (`hash`) of the kernel-log record of this action. */
  readonly kernel_record?: string;
  /**
   * (v2) The id of one program run (`proc.exec`) whose egress went through the kernel's proxy:
   * the run's own record and the record of every connection it opened (action `net.http`)
   * carry the same value.
   */
  readonly exec_id?: string;
  readonly prev: string;
  readonly hash: string;
}

/** A record before it is chained. */
export type AuditEntry = Omit<AuditRecord, 'v' | 'seq' | 'prev' | 'hash'>;

/** Hex sha256 of a string. */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * JSON with object keys sorted at every level, so equal values hash equally regardless of
 * key order. `undefined` members are dropped as `JSON.stringify` does.
 * @throws TypeError for values JSON cannot represent (cycles, bigint) and for a `__proto__` key.
 */
export function canonicalJson(value: unknown): string {
  const flat = flatObjectJson(value);
  if (flat !== undefined) return flat;
  // With a key list as replacer, JSON.stringify emits every object's keys in the list's
  // order (and only those): the sorted union of all keys gives sorted output at every level.
  const keys = new Set<string>();
  collectKeys(value, keys, 0);
  // Key lists are looked up with [[Get]]: "__proto__" would read the prototype of objects lacking it.
  if (keys.has('__proto__')) throw new TypeError('canonicalJson: a "__proto__" key cannot be canonicalised');
  return JSON.stringify(value, [...keys].sort()) ?? 'null';
}

/** Fast path for objects whose values are all strings, finite numbers, booleans or null (audit records, most params). */
function flatObjectJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    if (key === '__proto__') return undefined;
    let text: string;
    if (typeof v === 'string') text = jsonString(v);
    else if (v === null || typeof v === 'boolean' || typeof v === 'number') text = JSON.stringify(v);
    else return undefined; // objects, bigint, functions, symbols: the general path
    out += `${out.length === 1 ? '' : ','}${jsonString(key)}:${text}`;
  }
  return `${out}}`;
}

function collectKeys(value: unknown, keys: Set<string>, depth: number): void {
  if (value === null || typeof value !== 'object') return;
  if (depth > 64) throw new TypeError('canonicalJson: value nested too deeply (or cyclic)');
  if (Array.isArray(value)) {
    for (const v of value) collectKeys(v, keys, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    keys.add(key);
    collectKeys((value as Record<string, unknown>)[key], keys, depth + 1);
  }
}

/** `hashParams({})`: most requests carry no params. */
const EMPTY_PARAMS_HASH = sha256('{}');

/** sha256 of the canonical JSON of `params` (`{}` when absent); `unhashable` if it cannot be serialised. */
export function hashParams(params: unknown): string {
  // A request without params (validateRequest gives them all this one frozen object) is not serialised.
  if (params === EMPTY_PARAMS) return EMPTY_PARAMS_HASH;
  try {
    const json = canonicalJson(params ?? {}) ?? 'undefined';
    // No memo of other texts: a hash costs ~1 µs, and a memo would mostly flatter benchmarks that repeat one request.
    return json === '{}' ? EMPTY_PARAMS_HASH : sha256(json);
  } catch {
    return 'unhashable';
  }
}

/** The format version of a parsed record: 0 without `v`, the number otherwise, `undefined` if `v` is not a known version. */
export function recordVersion(record: Readonly<Record<string, unknown>>): number | undefined {
  const v = record['v'];
  if (v === undefined) return 0;
  return typeof v === 'number' && FIELDS_BY_VERSION.has(v) ? v : undefined;
}

/**
 * The one serialisation a record may have on disk (without the newline), or `undefined`
 * when no line can represent it: an unknown version, a key its version does not have, or a
 * value that is not a string or finite number.
 */
export function canonicalLine(record: Readonly<Record<string, unknown>>): string | undefined {
  const version = recordVersion(record);
  const fields = version === undefined ? undefined : FIELDS_BY_VERSION.get(version);
  if (fields === undefined) return undefined;
  const body = serialise(record, fields, false);
  if (body === undefined) return undefined;
  const h = record['hash'];
  if (typeof h !== 'string') return undefined;
  return `${body},"hash":${JSON.stringify(h)}}`;
}

/** `{"k":v,…` in `fields` order, without `hash` and without the closing brace; `undefined` for a stray key or value. */
function serialise(record: Readonly<Record<string, unknown>>, fields: readonly string[], skipUnknown: boolean): string | undefined {
  let known = 0;
  let out = '';
  for (const key of fields) {
    if (key === 'hash') continue;
    const value = record[key];
    if (value === undefined) continue;
    known += 1;
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return undefined;
    out += `${out === '' ? '{' : ','}"${key}":${JSON.stringify(value)}`;
  }
  if (!skipUnknown) {
    let present = 0;
    for (const key of Object.keys(record)) if (key !== 'hash' && record[key] !== undefined) present += 1;
    if (present !== known) return undefined;
  }
  return out === '' ? '{' : out;
}

/**
 * The hash a record must carry (per its format version). v0: sha256 over its canonical JSON
 * without `hash`; v1: sha256 over its canonical line without `hash`.
 * @throws TypeError when the record cannot be hashed (unknown version, stray key or value).
 */
export function computeRecordHash(record: Omit<AuditRecord, 'hash'> | Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = record as Record<string, unknown>;
  const version = recordVersion(rest);
  if (version === 0) return sha256(canonicalJson(rest));
  const fields = version === undefined ? undefined : FIELDS_BY_VERSION.get(version);
  const body = fields === undefined ? undefined : serialise(rest, fields, false);
  if (body === undefined) throw new TypeError('computeRecordHash: not a record of a known format version');
  return sha256(`${body}}`);
}

/** A chained record and its line (with the trailing newline), from one serialisation. */
export interface ChainedRecord {
  readonly record: AuditRecord;
  readonly line: string;
}

/**
 * Chains an entry in the current format: assigns `v`, `seq`, `prev` and `hash`; drops
 * `undefined` fields; builds the line. Pure.
 * @throws TypeError for an entry with a field the format does not have, or a non-string, non-number value.
 */
export function chainEntryLine(entry: AuditEntry, seq: number, prev: string): ChainedRecord {
  const r: Record<string, unknown> = { v: AUDIT_FORMAT_VERSION };
  const body = chainBody(entry, seq, prev, r);
  const h = sha256(`${body}}`); // the hash input: the line without `hash`
  r['hash'] = h;
  MEMO.prev.remember(h, `"${h}"`); // the next record's prev (hex: nothing to escape)
  return { record: r as unknown as AuditRecord, line: `${body},"hash":"${h}"}\n` };
}

/** A chained record and its line as UTF-8 bytes: `bytes.subarray(0, length)`. */
export interface ChainedBytes {
  readonly record: AuditRecord;
  /** `scratch` when the line fit in it, else a new buffer. */
  readonly bytes: Buffer;
  readonly length: number;
}

/**
 * {@link chainEntryLine} that encodes the line once, into `scratch` (or a larger buffer when
 * it does not fit), and hashes those bytes: the same record and the same bytes, without
 * flattening and encoding the line's text again for the hash, its length and the write.
 * @throws TypeError as chainEntryLine does.
 */
export function chainEntryBytes(entry: AuditEntry, seq: number, prev: string, scratch: Buffer): ChainedBytes {
  const r: Record<string, unknown> = { v: AUDIT_FORMAT_VERSION };
  const body = chainBody(entry, seq, prev, r);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit; the tail `},"hash":"<64 hex>"}\n` is 76 bytes.
  const room = body.length * 3 + 80;
  const bytes = room <= scratch.length ? scratch : Buffer.allocUnsafe(room);
  const n = bytes.write(body, 0, 'utf8');
  bytes[n] = 0x7d; // `}`: the hash input is the line without `hash`
  const h = hash('sha256', bytes.subarray(0, n + 1), 'hex');
  const length = n + bytes.write(`,"hash":"${h}"}\n`, n, 'latin1');
  r['hash'] = h;
  MEMO.prev.remember(h, `"${h}"`);
  return { record: r as unknown as AuditRecord, bytes, length };
}

/** The line of a chained entry without `hash` and its closing brace; fills `r` with the record's fields in line order (all but `hash`). */
function chainBody(entry: AuditEntry, seq: number, prev: string, r: Record<string, unknown>): string {
  // Built field by field in FIELDS_V2 order with named reads and stores (a generic key loop
  // makes every store a megamorphic, property-adding one: most of this function's time), and
  // without JSON.stringify of a record object: the same bytes serialise() gives, which the
  // tests check against canonicalLine for random entries. The record's keys are in that order.
  let body = `{"v":${AUDIT_FORMAT_VERSION}`; // the line without `hash` and the closing brace
  let used = 0; // fields taken from the entry
  let x: unknown;
  if ((x = entry.timestamp) !== undefined) {
    body += `,"timestamp":${scalar(x, MEMO.timestamp)}`;
    r['timestamp'] = x;
    used += 1;
  }
  body += `,"seq":${scalar(seq)}`;
  r['seq'] = seq;
  if ((x = entry.action) !== undefined) {
    body += `,"action":${scalar(x, MEMO.action)}`;
    r['action'] = x;
    used += 1;
  }
  if ((x = entry.target) !== undefined) {
    body += `,"target":${scalar(x, MEMO.target)}`;
    r['target'] = x;
    used += 1;
  }
  if ((x = entry.status) !== undefined) {
    body += `,"status":${scalar(x, MEMO.status)}`;
    r['status'] = x;
    used += 1;
  }
  if ((x = entry.canonical_target) !== undefined) {
    body += `,"canonical_target":${scalar(x, MEMO.canonical_target)}`;
    r['canonical_target'] = x;
    used += 1;
  }
  if ((x = entry.error) !== undefined) {
    body += `,"error":${scalar(x, MEMO.error)}`;
    r['error'] = x;
    used += 1;
  }
  if ((x = entry.code) !== undefined) {
    body += `,"code":${scalar(x, MEMO.code)}`;
    r['code'] = x;
    used += 1;
  }
  if ((x = entry.rule_id) !== undefined) {
    body += `,"rule_id":${scalar(x, MEMO.rule_id)}`;
    r['rule_id'] = x;
    used += 1;
  }
  if ((x = entry.reason) !== undefined) {
    body += `,"reason":${scalar(x, MEMO.reason)}`;
    r['reason'] = x;
    used += 1;
  }
  if ((x = entry.duration_ms) !== undefined) {
    body += `,"duration_ms":${scalar(x, MEMO.duration_ms)}`;
    r['duration_ms'] = x;
    used += 1;
  }
  if ((x = entry.policy_hash) !== undefined) {
    body += `,"policy_hash":${scalar(x, MEMO.policy_hash)}`;
    r['policy_hash'] = x;
    used += 1;
  }
  if ((x = entry.idempotency_key) !== undefined) {
    body += `,"idempotency_key":${scalar(x, MEMO.idempotency_key)}`;
    r['idempotency_key'] = x;
    used += 1;
  }
  if ((x = entry.params_hash) !== undefined) {
    body += `,"params_hash":${scalar(x, MEMO.params_hash)}`;
    r['params_hash'] = x;
    used += 1;
  }
  if ((x = entry.approved_by) !== undefined) {
    body += `,"approved_by":${scalar(x, MEMO.approved_by)}`;
    r['approved_by'] = x;
    used += 1;
  }
  if ((x = entry.approval_identity) !== undefined) {
    body += `,"approval_identity":${scalar(x, MEMO.approval_identity)}`;
    r['approval_identity'] = x;
    used += 1;
  }
  if ((x = entry.undo_of) !== undefined) {
    body += `,"undo_of":${scalar(x, MEMO.undo_of)}`;
    r['undo_of'] = x;
    used += 1;
  }
  if ((x = entry.undo_of_hash) !== undefined) {
    body += `,"undo_of_hash":${scalar(x, MEMO.undo_of_hash)}`;
    r['undo_of_hash'] = x;
    used += 1;
  }
  if ((x = entry.kernel_record) !== undefined) {
    body += `,"kernel_record":${scalar(x, MEMO.kernel_record)}`;
    r['kernel_record'] = x;
    used += 1;
  }
  if ((x = entry.exec_id) !== undefined) {
    body += `,"exec_id":${scalar(x, MEMO.exec_id)}`;
    r['exec_id'] = x;
    used += 1;
  }
  body += `,"prev":${scalar(prev, MEMO.prev)}`;
  r['prev'] = prev;
  // Every defined field of the entry must have been taken: no key outside the format.
  const keys = Object.keys(entry);
  if (keys.length !== used) {
    let defined = 0;
    for (const key of keys) if ((entry as unknown as Record<string, unknown>)[key] !== undefined) defined += 1;
    if (defined !== used) throw notInFormat();
  }
  return body;
}

/** The JSON text of a field's value: a string or finite number. @throws TypeError for anything else. */
function scalar(value: unknown, memo?: JsonMemo): string {
  const text = memo === undefined ? jsonScalar(value) : memo.of(value);
  if (text === undefined) throw notInFormat();
  return text;
}

/** One memo per string field of the line (see JsonMemo): most fields repeat from record to record. */
const MEMO = {
  timestamp: new JsonMemo(),
  action: new JsonMemo(),
  target: new JsonMemo(),
  status: new JsonMemo(),
  canonical_target: new JsonMemo(),
  error: new JsonMemo(),
  code: new JsonMemo(),
  rule_id: new JsonMemo(),
  reason: new JsonMemo(),
  duration_ms: new JsonMemo(),
  policy_hash: new JsonMemo(),
  idempotency_key: new JsonMemo(),
  params_hash: new JsonMemo(),
  approved_by: new JsonMemo(),
  approval_identity: new JsonMemo(),
  undo_of: new JsonMemo(),
  undo_of_hash: new JsonMemo(),
  kernel_record: new JsonMemo(),
  exec_id: new JsonMemo(),
  prev: new JsonMemo(),
};

function notInFormat(): TypeError {
  return new TypeError(`chainEntry: the entry has a field outside format v${AUDIT_FORMAT_VERSION} or a value that is not a string or number`);
}

/** Chains an entry (see {@link chainEntryLine}) and returns the record. */
export function chainEntry(entry: AuditEntry, seq: number, prev: string): AuditRecord {
  return chainEntryLine(entry, seq, prev).record;
}

/** Serialises a record as its canonical JSONL line (with the trailing newline). @throws TypeError if it has none. */
export function recordLine(record: AuditRecord): string {
  const line = canonicalLine(record as unknown as Record<string, unknown>);
  if (line === undefined) throw new TypeError('recordLine: the record has no canonical line (unknown version, key or value)');
  return `${line}\n`;
}
