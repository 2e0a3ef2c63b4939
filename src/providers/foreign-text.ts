/**
 * Text that comes from outside the worker (a server's error message, tool names, a schema's
 * wording, a redirect's `Location`) as the audit log names it: its length and the start of its
 * sha256, never the text. The agent reads such text in the error's message; the log keeps the
 * error's `auditMessage` (src/errors.ts), because the text may echo the call's arguments,
 * file contents or anything else the log must not hold (red team, 2026-12-02).
 */
import { createHash } from 'node:crypto';

/** `server text withheld from the log (N characters, sha256 <16 hex>)`. */
export function withheld(text: string, what = 'server text'): string {
  return `${what} withheld from the log (${text.length} characters, sha256 ${createHash('sha256').update(text).digest('hex').slice(0, 16)})`;
}
