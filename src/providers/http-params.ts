/**
 * The parameters and the result of `net.http`. Unknown parameter keys are refused; headers
 * that would change framing or routing (`host`, `content-length`, `transfer-encoding`,
 * `connection`, `proxy-*`, ...) cannot be set by the agent.
 */
import { InvalidParamsError } from './errors';

/** `net.http` params. `method` is upper-cased by canonicalisation (default GET). */
export interface HttpParams {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Request body as UTF-8 text. */
  readonly body?: string;
}

/** What `execute` returns (the action's `data`). */
export interface HttpResult {
  readonly status: number;
  /** Response headers, lower-cased; `set-cookie` is dropped (session secrets stay out of history). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body as text (`utf8`) for textual content types, else `base64`. At most the byte cap. */
  readonly body: string;
  readonly bodyEncoding: 'utf8' | 'base64';
  /** True when the (decompressed) body was longer than the cap and was cut. */
  readonly truncated: boolean;
  /** The final URL (after any allowed redirects). */
  readonly url: string;
  /** Every URL redirected to, in order. */
  readonly redirects: readonly string[];
}

const KEYS = new Set(['method', 'headers', 'body']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN = /^(host|content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|proxy-.*)$/i;
/**
 * Headers that some servers and frameworks take as the request's real method, host or path
 * (`X-HTTP-Method-Override: DELETE` on a GET, `X-Original-URL: /admin` on a request to
 * `/public`): with them the server would act on something other than what the policy judged
 * (a `method:` constraint, a path-limited rule). Refused (red team, 2026-12-02).
 */
const OVERRIDES =
  /^(x-http-method-override|x-http-method|x-method-override|x-original-url|x-original-uri|x-rewrite-url|x-original-method|x-original-host|x-forwarded-host|x-forwarded-server|x-forwarded-prefix|x-forwarded-path|x-forwarded-uri|x-forwarded-method|x-envoy-original-path|x-host|forwarded)$/i;

/**
 * True for a header that some servers take as the request's real method, host or path (see
 * `OVERRIDES`). CGI-style servers read `X_Original_URL` as `X-Original-URL`: compared with `_`
 * as `-`. Also refused by the egress proxy in forwarded plain-HTTP requests.
 */
export function isOverrideHeader(name: string): boolean {
  return OVERRIDES.test(name.replace(/_/g, '-'));
}

/** `_method` as a query or form key, a JSON key, or a multipart field name. */
const METHOD_FIELD = /(?:^|[&"'\s;?])_method(?:\s*=|["'])/i;

/**
 * Where a request carries a `_method` field that Rails, Laravel, Symfony and Express's
 * method-override take as the real method of a POST (`_method=DELETE`): `'query'`, `'body'`,
 * or undefined. With it the server would act on a method other than the one the policy
 * judged (a `method:` constraint), so net.http refuses it, and the egress proxy refuses it in
 * a forwarded request's query (it does not read bodies it relays).
 * @example
 * methodOverrideField('?_method=DELETE', undefined); // 'query'
 * methodOverrideField('', 'a=1&_method=delete'); // 'body'
 */
export function methodOverrideField(search: string, body: string | undefined): 'query' | 'body' | undefined {
  if (search.length > 1 && [...new URLSearchParams(search).keys()].some((k) => k.toLowerCase() === '_method')) return 'query';
  return body !== undefined && METHOD_FIELD.test(body) ? 'body' : undefined;
}

/**
 * Checks raw params.
 * @throws InvalidParamsError for unknown keys, bad header names/values, or a non-string body.
 */
export function parseHttpParams(raw: Readonly<Record<string, unknown>>): HttpParams {
  for (const key of Object.keys(raw)) {
    if (!KEYS.has(key)) throw new InvalidParamsError(key, 'unknown parameter; net.http takes method, headers, body');
  }
  const { method = 'GET', headers = {}, body } = raw;
  if (typeof method !== 'string' || !TOKEN.test(method)) throw new InvalidParamsError('method', 'must be an HTTP method token');
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw new InvalidParamsError('headers', 'must be an object');
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new InvalidParamsError('headers', `${JSON.stringify(name)} is not a header name`);
    if (FORBIDDEN.test(name)) throw new InvalidParamsError('headers', `${name} is set by the provider, not the agent`);
    if (isOverrideHeader(name)) {
      throw new InvalidParamsError(
        'headers',
        `${name} would let the server act on a method, host or path other than the one the policy judged; send the request to that URL with that method instead`,
      );
    }
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new InvalidParamsError('headers', `value of ${name} must be a single-line string`);
  }
  if (body !== undefined && typeof body !== 'string') throw new InvalidParamsError('body', 'must be a string');
  return { method: method.toUpperCase(), headers: headers as Record<string, string>, ...(body !== undefined ? { body } : {}) };
}
