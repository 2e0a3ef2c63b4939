/**
 * Agent-controlled text (targets, tool names, reasons quoting them) made safe to print on a
 * terminal: control characters (C0, DEL, C1), line and paragraph separators and bidirectional
 * controls are shown as `\uXXXX`, so a record, a step or an approval is always the one honest
 * line it claims to be — never an escape sequence that erases or rewrites lines above it.
 * Only the human views use this; the JSONL log and JSON output keep the text exactly.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every character that could move the cursor, end the line or reorder what is
 * shown replaced by its `\uXXXX` escape.
 * @example
 * printable('a\u001b[2Kb'); // → 'a\\u001b[2Kb'
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * {@link printable} for text of several lines (the model's answer): line feeds and tabs stay,
 * every other character of {@link printable}'s set (ESC, CR, C1, bidirectional controls) is
 * shown as its `\uXXXX` escape — so an answer cannot erase or rewrite the narrated steps
 * above it, or send the terminal a command (OSC 52 writes the clipboard).
 * @example
 * printableText('done\n\u001b[1A'); // → 'done\n\\u001b[1A'
 */
export function printableText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
