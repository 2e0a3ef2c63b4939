/**
 * Worker-side credentials for net.http. The operator maps URL globs to a header whose value
 * comes from an environment variable of the worker; the provider adds the header to every
 * request (and every redirect hop) whose canonical URL matches, and to no other. The agent
 * never supplies or sees the value: it is not in the request, the result, an error, or the
 * workflow history, and responses that echo it are redacted.
 *
 * Decision: values are read once, at construction, so a missing variable fails the worker at
 * start-up with {@link CredentialMissingError} instead of failing a request later. Rotating a
 * secret means constructing a new provider.
 */
import { compileGlob, matchGlob, type CompiledGlob } from '../policy/glob';
import { hostOf, isIpHost } from '../policy/url-host';
import { CredentialMissingError, InvalidCredentialRuleError } from './errors';

/** One credential rule, e.g. `{ match: 'https://api.github.com/**', header: 'Authorization', valueFromEnv: 'GITHUB_AUTH' }`. */
export interface CredentialRule {
  /** Glob over canonical URLs (`scheme://host[:port]/path`), same semantics as policy resources. */
  readonly match: string;
  /** Header name to set. */
  readonly header: string;
  /** Name of the worker environment variable holding the full header value. */
  readonly valueFromEnv: string;
}

interface Entry {
  readonly rule: CredentialRule;
  readonly glob: CompiledGlob;
  readonly header: string;
  /** The rule's literal host; a raw-IP request host matches only a rule naming that IP. */
  readonly host: string | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REDACTED = '[REDACTED]';

/**
 * The forms of a credential value that are as secret as the value: the value, each of its
 * space-separated words of 8+ characters (the token of `Bearer <token>`), and their
 * URL-encoded spellings (a server that echoes a credential into a URL encodes it).
 */
function needlesOf(value: string): string[] {
  const words = [value, ...value.split(/\s+/).filter((w) => w.length >= 8)];
  return words.flatMap((w) => [w, encodeURIComponent(w), encodeURIComponent(w).replace(/%20/g, '+')]);
}

/** The value of an ASCII hex digit byte, or -1. */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * `bytes` with every percent-escape decoded to its byte, read as latin1, and for each
 * character of that view the offset in `bytes` where it starts (one more entry: the length);
 * `undefined` when there is no `%`. A credential echoed partly encoded — Python's `quote()`
 * leaves `/` alone, others encode only some characters — is whole in this view (review,
 * 2026-12-02).
 */
function percentDecoded(bytes: Buffer): { view: string; starts: Int32Array } | undefined {
  if (!bytes.includes(0x25)) return undefined;
  const out = Buffer.allocUnsafe(bytes.length);
  const starts = new Int32Array(bytes.length + 1);
  let n = 0;
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const hi = b === 0x25 && i + 2 < bytes.length ? hexValue(bytes[i + 1] ?? 0) : -1;
    const lo = hi >= 0 ? hexValue(bytes[i + 2] ?? 0) : -1;
    starts[n] = i;
    if (lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 3;
    } else {
      out[n++] = b;
      i += 1;
    }
  }
  starts[n] = bytes.length;
  return { view: out.toString('latin1', 0, n), starts: starts.subarray(0, n + 1) };
}

/** Where `needles` occur in `hay` (overlapping occurrences included), as [start, end) pairs, sorted. */
function matchRanges(hay: string, needles: readonly string[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const needle of needles) {
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) ranges.push([at, at + needle.length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** The compiled credential map. Serialises (JSON, inspection) without its values. */
export class CredentialStore {
  readonly #entries: readonly Entry[];
  readonly #values: readonly string[];
  /** Every form of every value that must never leave: longest first (see {@link needlesOf}). */
  readonly #needles: readonly string[];
  readonly #needleBytes: readonly Buffer[];
  /** Each needle's UTF-8 bytes read as latin1 (one character per byte): searched in the bytes and in their percent-decoded view. */
  readonly #byteNeedles: readonly string[];

  /**
   * @param env where values are read from (default `process.env`), read once here.
   * @throws InvalidCredentialRuleError for a malformed rule; CredentialMissingError for an unset variable.
   */
  constructor(rules: readonly CredentialRule[] = [], env: Readonly<Record<string, string | undefined>> = process.env) {
    const values: string[] = [];
    this.#entries = rules.map((rule, index) => {
      if (typeof rule.match !== 'string' || !/^https?:\/\/[^/]+\//.test(rule.match)) {
        throw new InvalidCredentialRuleError(index, 'match must be a URL glob like https://api.example.com/**');
      }
      if (typeof rule.header !== 'string' || !TOKEN.test(rule.header)) throw new InvalidCredentialRuleError(index, 'header must be a header name');
      const value = env[rule.valueFromEnv];
      if (value === undefined || value === '') throw new CredentialMissingError(rule.valueFromEnv, rule.match);
      if (/[\r\n\0]/.test(value)) throw new InvalidCredentialRuleError(index, `${rule.valueFromEnv} holds a line break or NUL`);
      values[index] = value;
      const host = hostOf(rule.match);
      const pattern = host?.startsWith('[') === true ? rule.match.replace(host, host.replace(/[[\]]/g, '\\$&')) : rule.match;
      return { rule, glob: compileGlob(pattern, false), header: rule.header.toLowerCase(), host };
    });
    this.#values = values;
    this.#needles = [...new Set(values.flatMap(needlesOf))].sort((a, b) => b.length - a.length);
    this.#needleBytes = this.#needles.map((n) => Buffer.from(n, 'utf8'));
    this.#byteNeedles = this.#needleBytes.map((b) => b.toString('latin1'));
  }

  /** Bytes of the longest form of a value: read this many minus one past a cap before cutting (see {@link redactCapped}). */
  get longestSecretBytes(): number {
    return this.#needleBytes[0]?.length ?? 0;
  }

  /** Lower-cased names of the headers some rule controls. */
  get headerNames(): ReadonlySet<string> {
    return new Set(this.#entries.map((e) => e.header));
  }

  /**
   * The credential headers for a canonical URL (lower-cased names); the first matching rule
   * wins per header.
   * @example
   * store.headersFor('https://api.github.com/repos/x'); // { authorization: 'token …' }
   * store.headersFor('https://evil.example/'); // {}
   */
  headersFor(canonicalUrl: string): Record<string, string> {
    const headers: Record<string, string> = {};
    const host = hostOf(canonicalUrl) ?? '';
    this.#entries.forEach((entry, index) => {
      if (isIpHost(host) && entry.host !== host) return;
      if (headers[entry.header] === undefined && matchGlob(entry.glob, canonicalUrl)) headers[entry.header] = this.#values[index] ?? '';
    });
    return headers;
  }

  /**
   * Replaces every credential value (its token, its URL-encoded forms, and any spelling of
   * them with percent-escapes in either case or only some characters encoded) in `text` with
   * `[REDACTED]`: {@link redactBytes} on its UTF-8 bytes.
   */
  redact(text: string): string {
    if (this.#byteNeedles.length === 0) return text;
    const bytes = Buffer.from(text, 'utf8');
    const out = this.redactBytes(bytes);
    return out === bytes ? text : out.toString('utf8');
  }

  /** Replaces every credential value in `bytes` with `[REDACTED]` (bytes of any encoding). */
  redactBytes(bytes: Buffer): Buffer {
    return this.redactCapped(bytes, Infinity).bytes;
  }

  /**
   * Redacts, THEN cuts at `cap` bytes, so no prefix of a secret survives a cut: an
   * occurrence that starts before the cap is replaced whole, and nothing that started at or
   * after the cap is kept. `bytes` must hold at least `cap + longestSecretBytes - 1` bytes
   * of the body when the body is longer than `cap` (read that far before calling).
   * @returns the redacted prefix and whether anything was cut.
   */
  redactCapped(bytes: Buffer, cap: number): { bytes: Buffer; truncated: boolean } {
    // latin1 maps each byte to one character: string offsets are byte offsets. The bytes as
    // they are find a value's exact forms (a secret holding a literal `%`, the `+`-for-space
    // form); their percent-decoded view finds any other encoded spelling.
    const ranges =
      this.#byteNeedles.length === 0
        ? []
        : [...matchRanges(bytes.toString('latin1'), this.#byteNeedles), ...this.#decodedRanges(bytes)].sort((a, b) => a[0] - b[0]);
    if (ranges.length === 0) {
      return bytes.length > cap ? { bytes: bytes.subarray(0, cap), truncated: true } : { bytes, truncated: false };
    }
    const parts: Buffer[] = [];
    const marker = Buffer.from(REDACTED);
    let from = 0;
    let i = 0;
    while (i < ranges.length) {
      const [start] = ranges[i]!;
      if (start >= cap) break;
      let end = ranges[i]![1];
      // Merge overlapping occurrences (of different forms) into one redaction.
      while (i + 1 < ranges.length && ranges[i + 1]![0] < end) end = Math.max(end, ranges[++i]![1]);
      parts.push(bytes.subarray(from, start), marker);
      from = end;
      i += 1;
    }
    if (from < cap) parts.push(bytes.subarray(from, Math.min(cap, bytes.length)));
    return { bytes: Buffer.concat(parts), truncated: bytes.length > cap };
  }

  /** Occurrences of a value in the percent-decoded view of `bytes` (any mix of encoded and plain bytes), as offsets into `bytes`. */
  #decodedRanges(bytes: Buffer): [number, number][] {
    const decoded = percentDecoded(bytes);
    if (decoded === undefined) return [];
    const { view, starts } = decoded;
    return matchRanges(view, this.#byteNeedles).map(([s, e]) => [starts[s] ?? bytes.length, starts[e] ?? bytes.length]);
  }

  /**
   * Redacts an error in place: its message, its own string fields (e.g. a refused
   * redirect's `location` and `reason`), and drops a `cause` that mentions a value.
   * @returns the same error.
   */
  redactError<E extends Error>(err: E): E {
    const redactField = (key: string, value: unknown): void => {
      if (typeof value === 'string' && this.redact(value) !== value) {
        Object.defineProperty(err, key, { value: this.redact(value), enumerable: key !== 'message', writable: true, configurable: true });
      }
    };
    redactField('message', err.message);
    redactField('stack', err.stack);
    for (const key of Object.keys(err)) redactField(key, (err as unknown as Record<string, unknown>)[key]);
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined && this.mentions(cause)) Object.defineProperty(err, 'cause', { value: undefined, enumerable: false, configurable: true });
    return err;
  }

  private mentions(value: unknown): boolean {
    let text: string;
    try {
      text = value instanceof Error ? `${value.message}\n${value.stack ?? ''}\n${JSON.stringify(value)}` : (JSON.stringify(value) ?? String(value));
    } catch {
      return true; // cannot inspect it: assume the worst
    }
    return this.redact(text) !== text;
  }

  /** The rules without values (what logs and `JSON.stringify` see). */
  toJSON(): { rules: readonly CredentialRule[] } {
    return { rules: this.#entries.map((e) => e.rule) };
  }
}
