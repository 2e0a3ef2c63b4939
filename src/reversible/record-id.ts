/**
 * Record ids derived from idempotency keys. Pure and dependency-free (no `node:crypto`), so
 * workflow code can compute the id of an action's record before scheduling the action and
 * register its compensation first.
 *
 * The id is the 128-bit FNV-1a hash of the key's UTF-8 bytes, as 32 hex digits. It is
 * not a cryptographic hash: the store keeps the full key in each record and refuses a record
 * whose key differs (`Reversible.KeyReused`), so a collision is detected, never merged.
 */
import { InvalidIdempotencyKeyError } from './errors';

const OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const PRIME = 0x0000000001000000000000000000013bn;
const MASK = (1n << 128n) - 1n;
const RECORD_ID = /^[0-9a-f]{32}$/;

/**
 * The record id of the action submitted with `idempotencyKey`.
 * @throws InvalidIdempotencyKeyError unless the key is a non-empty string of at most 256 characters.
 * @example
 * const id = recordIdFor(`${workflowId}/${runId}/3`); // 32 hex digits, the same in every process
 */
export function recordIdFor(idempotencyKey: string): string {
  if (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 256) {
    throw new InvalidIdempotencyKeyError();
  }
  let h = OFFSET;
  for (const byte of utf8(idempotencyKey)) h = ((h ^ BigInt(byte)) * PRIME) & MASK;
  return h.toString(16).padStart(32, '0');
}

/** True if `value` has the shape of a record id (32 lower-case hex digits). */
export function isRecordId(value: unknown): value is string {
  return typeof value === 'string' && RECORD_ID.test(value);
}

/** UTF-8 bytes of `text` (a lone surrogate is encoded as its own 3-byte sequence). */
function* utf8(text: string): Generator<number> {
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) {
      yield cp;
    } else if (cp < 0x800) {
      yield 0xc0 | (cp >> 6);
      yield 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      yield 0xe0 | (cp >> 12);
      yield 0x80 | ((cp >> 6) & 0x3f);
      yield 0x80 | (cp & 0x3f);
    } else {
      yield 0xf0 | (cp >> 18);
      yield 0x80 | ((cp >> 12) & 0x3f);
      yield 0x80 | ((cp >> 6) & 0x3f);
      yield 0x80 | (cp & 0x3f);
    }
  }
}
