/**
 * Checks shared by every canonical form: a target is a non-empty string of bounded
 * length without NUL or other control characters. Control characters are where
 * parsers disagree (WHATWG URL silently drops tabs and newlines; C APIs stop at NUL)
 * and they forge lines in logs, so no target may contain them.
 */
import { InvalidTargetError } from './canonical-errors';

/** The longest target accepted (PATH_MAX on Linux is 4096; URLs get the same bound). */
export const MAX_TARGET_LENGTH = 4096;

// C0 controls, DEL, and the C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone UTF-16 surrogate: encoded as U+FFFD when the string reaches the OS, so the policy would judge another name.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Asserts `input` is a usable target string and returns it unchanged.
 *
 * @throws {InvalidTargetError} when `input` is not a string, is empty, is longer than
 *   {@link MAX_TARGET_LENGTH}, or contains NUL, another control character or a lone surrogate.
 */
export function assertTargetText(input: unknown): string {
  if (typeof input !== 'string') {
    throw new InvalidTargetError(String(input), 'the target is not a string', 'pass the target as a string');
  }
  if (input.length === 0) throw new InvalidTargetError(input, 'the target is empty', 'name a path, URL or program');
  if (input.length > MAX_TARGET_LENGTH) {
    throw new InvalidTargetError(input.slice(0, 64) + '…', `the target is longer than ${MAX_TARGET_LENGTH} characters`, 'use a shorter target');
  }
  if (input.includes('\u0000')) {
    throw new InvalidTargetError(input, 'the target contains a NUL byte', 'remove the NUL byte; no path, URL or program name contains one');
  }
  if (CONTROL.test(input)) {
    throw new InvalidTargetError(input, 'the target contains a control character', 'remove tabs, newlines and other control characters');
  }
  if (LONE_SURROGATE.test(input)) {
    throw new InvalidTargetError(input, 'the target contains a lone UTF-16 surrogate', 'pass well-formed Unicode text');
  }
  return input;
}
