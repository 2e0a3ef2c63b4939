/**
 * The shape of one audit record and the hashing that chains records together. Shared by
 * the writer (audit-log.ts) and the checker (audit-verify.ts) so both hash identically.
 *
 * `hash` = sha256(canonical JSON of the record without `hash`), where canonical JSON sorts
 * object keys; `prev` = the previous record's `hash` ({@link GENESIS_HASH} for the first).
 * The line on disk keeps a readable key order; only the hash input is canonical.
 */
import { hash } from 'node:crypto';
import type { ActionStatus } from './types';

/** `prev` of the first record of a log. */
export const GENESIS_HASH = '0'.repeat(64);

/** One line of the audit log. Never holds params, file contents or secrets — only their hash. */
export interface AuditRecord {
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
  /** For an undo (`Kernel.submitUndo`): the id of the record whose action it undoes. */
  readonly undo_of?: string;
  readonly prev: string;
  readonly hash: string;
}

/** A record before it is chained. */
export type AuditEntry = Omit<AuditRecord, 'seq' | 'prev' | 'hash'>;

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

/** The hash a record must carry: sha256 over its canonical JSON without the `hash` field. */
export function computeRecordHash(record: Omit<AuditRecord, 'hash'> | Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = record as Record<string, unknown>;
  return sha256(canonicalJson(rest));
}

/** Chains an entry: assigns `seq`, `prev` and `hash`; drops `undefined` fields. Pure. */
export function chainEntry(entry: AuditEntry, seq: number, prev: string): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(entry)) {
    const v = (entry as unknown as Record<string, unknown>)[key];
    if (v !== undefined) record[key] = v;
  }
  record['seq'] = seq;
  record['prev'] = prev;
  record['hash'] = sha256(canonicalJson(record));
  return record as unknown as AuditRecord;
}

/** Serialises a record as one JSONL line (with the trailing newline), in a readable key order. */
export function recordLine(record: AuditRecord): string {
  const { timestamp, seq, action, target, status, ...rest } = record;
  return `${JSON.stringify({ timestamp, seq, action, target, status, ...rest })}\n`;
}
