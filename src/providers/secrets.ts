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

/** The compiled credential map. Serialises (JSON, inspection) without its values. */
export class CredentialStore {
  readonly #entries: readonly Entry[];
  readonly #values: readonly string[];

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

  /** Replaces every credential value in `text` with `[REDACTED]`. */
  redact(text: string): string {
    return this.#values.reduce((acc, value) => acc.split(value).join(REDACTED), text);
  }

  /** Replaces every credential value in `bytes` with `[REDACTED]` (bytes of any encoding). */
  redactBytes(bytes: Buffer): Buffer {
    let out = bytes;
    for (const value of this.#values) {
      const needle = Buffer.from(value);
      let at = out.indexOf(needle);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      for (; at >= 0; at = out.indexOf(needle, from)) {
        parts.push(out.subarray(from, at), Buffer.from(REDACTED));
        from = at + needle.length;
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  /** The rules without values (what logs and `JSON.stringify` see). */
  toJSON(): { rules: readonly CredentialRule[] } {
    return { rules: this.#entries.map((e) => e.rule) };
  }
}
