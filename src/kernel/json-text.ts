/**
 * `JSON.stringify` of a single string or finite number, without its per-call cost for the
 * common case: a string with nothing to escape (no `"`, `\`, control character below
 * U+0020 or UTF-16 surrogate) is its own JSON text between quotes; anything else goes
 * through `JSON.stringify` itself. The audit line and `params_hash` are built from these,
 * so their bytes are exactly what `JSON.stringify` gives (test/kernel/audit-fast-line.test.ts).
 */

/** `JSON.stringify(text)`. */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // `"` (0x22), `\` (0x5c), C0 controls, and surrogates (a lone one is escaped as \uXXXX).
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** `JSON.stringify(value)` for a string or finite number; `undefined` for anything else. */
export function jsonScalar(value: unknown): string | undefined {
  if (typeof value === 'string') return jsonString(value);
  // A finite number's JSON text is its ToString (-0 included: both give "0").
  if (typeof value === 'number' && Number.isFinite(value)) return `${value}`;
  return undefined;
}

/**
 * {@link jsonScalar} that remembers the last string it was given and its text: a field whose
 * value repeats from one record to the next (status, code, the policy hash, an action) is
 * not scanned again. Keyed by the string's value (`===`), never by where it came from.
 */
export class JsonMemo {
  private input: string | undefined;
  private text = '';

  /** `jsonScalar(value)`. */
  of(value: unknown): string | undefined {
    if (typeof value !== 'string') return jsonScalar(value);
    if (value !== this.input) {
      this.text = jsonString(value);
      this.input = value;
    }
    return this.text;
  }

  /** Teaches it a string whose text is known (e.g. a hash just computed, as the next `prev`). */
  remember(value: string, text: string): void {
    this.input = value;
    this.text = text;
  }
}
