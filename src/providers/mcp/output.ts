/**
 * Capping a tool result before it reaches the model or the workflow history. Text (text
 * items, embedded text resources, structured content) shares one character budget; binary
 * items (images, audio, blob resources) never pass: they are replaced by a note of their type
 * and size. The cap is applied here, inside the worker, so nothing larger is ever serialised.
 */

/** A capped tool result, as returned in `ActionResult.data`. */
export interface McpCallData {
  /** True when the server reported a tool error (`isError`): the content explains it. */
  readonly isError: boolean;
  readonly content: readonly Record<string, unknown>[];
  readonly structuredContent?: unknown;
}

/** Most content items passed on; the rest are dropped (and the result marked truncated). */
export const MAX_CONTENT_ITEMS = 100;
/** Longest URI or MIME type passed on. */
const MAX_LABEL = 512;

/**
 * Caps `result` to `maxChars` characters of text in total (URIs, names and MIME types count too; a type is a short name), at
 * most {@link MAX_CONTENT_ITEMS} items, after `redact` (credential values → `[REDACTED]`).
 */
export function capResult(
  result: Record<string, unknown>,
  maxChars: number,
  redact: (text: string) => string = (t) => t,
): { data: McpCallData; truncated: boolean } {
  let budget = maxChars;
  let truncated = false;
  const take = (raw: string): string => {
    const text = redact(raw);
    if (text.length <= budget) {
      budget -= text.length;
      return text;
    }
    truncated = true;
    const kept = text.slice(0, Math.max(0, budget));
    budget = 0;
    return `${kept}… [truncated ${text.length - kept.length} characters]`;
  };
  const content: Record<string, unknown>[] = [];
  const items = Array.isArray(result['content']) ? (result['content'] as unknown[]) : [];
  if (items.length > MAX_CONTENT_ITEMS) truncated = true;
  const label = (v: unknown): string => redact(String(v ?? '')).slice(0, MAX_LABEL);
  for (const item of items.slice(0, MAX_CONTENT_ITEMS)) {
    if (typeof item !== 'object' || item === null) continue;
    const it = item as Record<string, unknown>;
    const type = typeof it['type'] === 'string' ? it['type'] : 'unknown';
    if (type === 'text' && typeof it['text'] === 'string') content.push({ type, text: take(it['text']) });
    else if (type === 'resource' && typeof it['resource'] === 'object' && it['resource'] !== null) {
      const r = it['resource'] as Record<string, unknown>;
      if (typeof r['text'] === 'string') content.push({ type, uri: take(label(r['uri'])), text: take(r['text']) });
      else content.push({ type, uri: take(label(r['uri'])), omitted: 'binary', bytes: base64Bytes(r['blob']) });
    } else if (type === 'resource_link') content.push({ type, uri: take(label(it['uri'])), name: take(label(it['name'])) });
    // The labels are the server's words too (red team 14): a type is passed on only as a short
    // name, and the MIME type counts against the budget.
    else {
      const shown = /^[a-z_]{1,32}$/.test(type) ? type : 'unknown';
      content.push({ type: shown, omitted: 'binary', mimeType: take(label(it['mimeType'])), bytes: base64Bytes(it['data']) });
    }
  }
  const data: { -readonly [K in keyof McpCallData]: McpCallData[K] } = { isError: result['isError'] === true, content };
  if (result['structuredContent'] !== undefined) {
    const raw = JSON.stringify(result['structuredContent']);
    const text = redact(raw);
    if (text.length <= budget && text === raw) data.structuredContent = result['structuredContent'];
    else if (text.length <= budget) data.structuredContent = { redacted: take(raw) };
    else {
      truncated = true;
      data.structuredContent = { truncated: take(text) };
    }
  }
  return { data, truncated };
}

function base64Bytes(value: unknown): number {
  return typeof value === 'string' ? Math.floor((value.replace(/=+$/, '').length * 3) / 4) : 0;
}
