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
  /** Seed wording for denials (`not permitted`), otherwise the failure message. */
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
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') return undefined;
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (key === '__proto__') return undefined;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(v)}`;
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

/** sha256 of the canonical JSON of `params` (`{}` when absent); `unhashable` if it cannot be serialised. */
export function hashParams(params: unknown): string {
  try {
    return sha256(canonicalJson(params ?? {}) ?? 'undefined');
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
  const given = entry as unknown as Record<string, unknown>;
  // The record's keys are inserted in FIELDS_V2 order (the current format), so one JSON.stringify
  // of it is the line's body (the same bytes serialise() gives: only strings and finite numbers).
  const record: Record<string, unknown> = { v: AUDIT_FORMAT_VERSION };
  let used = 0;
  for (const key of FIELDS_V2) {
    let value: unknown;
    if (key === 'seq') value = seq;
    else if (key === 'prev') value = prev;
    else if (key === 'v' || key === 'hash') continue;
    else {
      value = given[key];
      if (value === undefined) continue;
      used += 1;
    }
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) throw notInFormat();
    record[key] = value;
  }
  let defined = 0;
  for (const key of Object.keys(given)) if (given[key] !== undefined) defined += 1;
  if (defined !== used) throw notInFormat();
  const json = JSON.stringify(record); // `{…,"prev":"…"}`: the hash input
  const h = sha256(json);
  record['hash'] = h;
  return { record: record as unknown as AuditRecord, line: `${json.slice(0, -1)},"hash":"${h}"}\n` };
}

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
