/**
 * Reading the params a constraint judges from a {@link CanonicalRequest}. Each reader
 * returns the value, `undefined` when the request does not state it, or `null` when it
 * is malformed — callers decide what unknown and malformed mean (see constraint.ts).
 */

type Params = Readonly<Record<string, unknown>>;

/** HTTP method, upper-cased; `GET` when absent. */
export function requestMethod(p: Params): string | null {
  const m = p['method'];
  if (m === undefined) return 'GET';
  return typeof m === 'string' ? m.toUpperCase() : null;
}

/** Program arguments; `[]` when absent. */
export function requestArgs(p: Params): readonly string[] | null {
  const a = p['args'];
  if (a === undefined) return [];
  return Array.isArray(a) && a.every((x) => typeof x === 'string') ? (a as string[]) : null;
}

/** Names of the environment variables passed: `env` as a list of names or as an object; `[]` when absent. */
export function requestEnvNames(p: Params): readonly string[] | null {
  const e = p['env'];
  if (e === undefined) return [];
  if (Array.isArray(e)) return e.every((x) => typeof x === 'string') ? (e as string[]) : null;
  if (typeof e === 'object' && e !== null) return Object.keys(e);
  return null;
}

/**
 * Bytes the request asks for: `bytes`, else `max_bytes`, else the UTF-8 length of a
 * string `content` (or the length of a byte-array `content`).
 */
export function requestBytes(p: Params): number | undefined | null {
  const stated = p['bytes'] ?? p['max_bytes'];
  if (stated !== undefined) return isAmount(stated) ? stated : null;
  const content = p['content'];
  if (typeof content === 'string') return Buffer.byteLength(content, 'utf8');
  if (content instanceof Uint8Array) return content.byteLength;
  return undefined;
}

/** The timeout the request asks for, in milliseconds. */
export function requestTimeout(p: Params): number | undefined | null {
  const t = p['timeout_ms'];
  if (t === undefined) return undefined;
  return isAmount(t) ? t : null;
}

function isAmount(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
