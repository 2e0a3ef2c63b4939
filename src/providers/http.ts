/**
 * `HttpProvider` executes `net.http` with undici's `fetch` and a per-hop pinned `Agent`:
 *
 * - each hop resolves its host once, refuses it if any address is not public (unless opted in
 *   with `allowAddresses`), and connects to exactly the checked address (http-connect.ts);
 * - redirects are never followed blindly: every `Location` is canonicalised and judged by a
 *   fresh policy decision through `context.authorize`; without that hook, or on a non-allow
 *   decision, the provider stops with `Provider.RedirectDenied`;
 * - credentials (secrets.ts) are recomputed for every hop from its own URL, so a credential is
 *   never sent to a host its rule does not match, and on a cross-origin hop the agent's own
 *   `authorization` / `cookie` headers are dropped too;
 * - the body is capped after decompression (http-body.ts); one timeout covers all hops.
 */
import type { Agent } from 'undici';
import { AgentOsError } from '../errors';
import { assertKernelGrant } from '../kernel/grant';
import type { ActionRequest, ExecutionContext, Provider, ResolvedRequest } from '../kernel/types';
import { canonicalizeRequest } from '../policy/canonical';
import { canonicalUrl } from '../policy/canonical-url';
import {
  HttpFailedError,
  HttpTimeoutError,
  InvalidParamsError,
  MethodNotAllowedError,
  ProviderAbortedError,
  RedirectDeniedError,
  TooManyRedirectsError,
} from './errors';
import { bodyEncodingFor, readCapped } from './http-body';
import { pinnedAgent, resolveChecked, systemResolver, type Resolver } from './http-connect';
import { undici } from './undici-lazy';
import { methodOverrideField, parseHttpParams, type HttpParams, type HttpResult } from './http-params';
import { CredentialStore, type CredentialRule } from './secrets';
import { countOption } from './count-option';
import { unknownOptionKey, unknownOptionProblem } from './option-keys';

/** Construction options of {@link HttpProvider}. */
export interface HttpProviderOptions {
  /** Worker-side credentials added to matching requests (see {@link CredentialRule}). */
  readonly credentials?: readonly CredentialRule[];
  /** Where credential values are read from, once, at construction (default `process.env`). */
  readonly credentialEnv?: Readonly<Record<string, string | undefined>>;
  /** Whole-request timeout across all hops and the body (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** Body cap in bytes after decompression (default 10 MiB); the rule's `max_bytes` lowers it. */
  readonly maxBytes?: number;
  /** Redirect hops followed at most (default 5). */
  readonly maxRedirects?: number;
  /** Host → addresses; default the system resolver. Called once per hop. */
  readonly resolver?: Resolver;
  /** Non-public addresses that may be reached anyway, e.g. `['127.0.0.1']` for a local service. */
  readonly allowAddresses?: readonly string[];
}

const HTTP_OPTIONS: readonly string[] = ['credentials', 'credentialEnv', 'timeoutMs', 'maxBytes', 'maxRedirects', 'resolver', 'allowAddresses'];

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ORIGIN_BOUND = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * The HTTP provider.
 * @example
 * const http = new HttpProvider({
 *   credentials: [{ match: 'https://api.github.com/**', header: 'Authorization', valueFromEnv: 'GITHUB_AUTH' }],
 * });
 * await kernel.submit({ action: 'net.http', target: 'https://api.github.com/user', params: { method: 'GET' } });
 */
export class HttpProvider implements Provider {
  readonly name = 'http';
  readonly actions = ['net.http'] as const;
  private readonly credentials: CredentialStore;
  private readonly resolver: Resolver;
  private readonly options: Omit<HttpProviderOptions, 'credentials' | 'credentialEnv'>;

  /** @throws CredentialMissingError / InvalidCredentialRuleError for the credential map; InvalidParamsError for a `maxBytes`, `maxRedirects` or `timeoutMs` that is not a whole number. */
  constructor(options: HttpProviderOptions = {}) {
    const unknown = unknownOptionKey(options, HTTP_OPTIONS);
    if (unknown !== undefined) throw new InvalidParamsError(unknown.slice(0, 64), unknownOptionProblem('HttpProvider', HTTP_OPTIONS));
    const { credentials = [], credentialEnv = process.env, ...rest } = options;
    for (const [name, min] of [
      ['maxBytes', 0],
      ['maxRedirects', 0],
      ['timeoutMs', 1],
    ] as const) {
      if (countOption(rest[name], 0, min) === undefined) {
        throw new InvalidParamsError(name, `an HttpProvider option: a whole number ≥ ${min} (NaN would be no limit at all, the rule's max_bytes included)`);
      }
    }
    this.credentials = new CredentialStore(credentials, credentialEnv); // values read here, kept in #private fields
    this.resolver = options.resolver ?? systemResolver;
    this.options = rest;
  }

  /** Canonical URL (`scheme://host[:port]/path`); the query travels in `facts.url`. */
  resolve(request: ActionRequest): Promise<ResolvedRequest> {
    return Promise.resolve().then(() => {
      const params = parseHttpParams(request.params ?? {});
      const canonical = canonicalizeRequest(request);
      const search = new URL(request.target).search;
      const override = methodOverrideField(search, params.body);
      if (override !== undefined) {
        throw new InvalidParamsError(
          override === 'query' ? 'target' : 'body',
          `a _method field in the ${override} would let the server act on a method other than the one the policy judged; send the request with that method instead`,
        );
      }
      const url = canonical.target + search;
      return { action: request.action, target: request.target, canonicalTarget: canonical.target, params: canonical.params, facts: { url } };
    });
  }

  /** Performs the request. Errors never carry a credential value. */
  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<HttpResult> {
    assertKernelGrant(context, this.name);
    const params = parseHttpParams(request.params);
    checkMethod(params.method, context.constraint);
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = context.signal === undefined ? timeout : AbortSignal.any([timeout, context.signal]);
    const url = typeof request.facts?.['url'] === 'string' ? request.facts['url'] : request.canonicalTarget;
    try {
      return await this.hops(url, request.canonicalTarget, params, context, signal);
    } catch (err) {
      // Every message leaves redacted: a refused redirect's Location, a decision's reason, a cause.
      if (err instanceof AgentOsError) throw this.credentials.redactError(err);
      if (timeout.aborted) throw new HttpTimeoutError(request.canonicalTarget, timeoutMs);
      if (context.signal?.aborted === true) throw new ProviderAbortedError('net.http');
      throw new HttpFailedError(request.canonicalTarget, this.credentials.redact(describe(err)));
    }
  }

  private async hops(url: string, canonical: string, first: HttpParams, context: ExecutionContext, signal: AbortSignal): Promise<HttpResult> {
    let params = first;
    let cap = Math.min(this.options.maxBytes ?? 10 * 1024 * 1024, numberOr(context.constraint['max_bytes']));
    const redirects: string[] = [];
    for (;;) {
      const target = new URL(url);
      const address = await resolveChecked(target.hostname, this.resolver, this.options.allowAddresses ?? []);
      const agent = pinnedAgent(address, { connectTimeoutMs: this.options.timeoutMs ?? 30_000 });
      try {
        const headers = { ...params.headers, ...this.credentials.headersFor(canonical) };
        const response = await undici().fetch(url, {
          method: params.method,
          headers,
          redirect: 'manual',
          dispatcher: agent,
          signal,
          ...(params.body !== undefined ? { body: params.body } : {}),
        });
        const location = response.headers.get('location');
        if (!REDIRECTS.has(response.status) || location === null) {
          // Redact BEFORE cutting: read far enough past the cap to see any secret that starts before it whole.
          const slack = Math.max(0, this.credentials.longestSecretBytes - 1);
          const read = await readCapped(response.body as ReadableStream<Uint8Array> | null, cap + slack);
          const { bytes: body, truncated } = this.credentials.redactCapped(read.bytes, cap);
          const encoding = bodyEncodingFor(response.headers.get('content-type'));
          return {
            status: response.status,
            headers: this.responseHeaders(response.headers),
            truncated: truncated || read.truncated,
            url: this.credentials.redact(url),
            redirects: redirects.map((r) => this.credentials.redact(r)),
            body: body.toString(encoding),
            bodyEncoding: encoding,
          };
        }
        await response.body?.cancel();
        if (redirects.length >= (this.options.maxRedirects ?? 5)) throw new TooManyRedirectsError(this.options.maxRedirects ?? 5);
        let next: string;
        let nextCanonical: string;
        try {
          next = new URL(location, url).href;
          nextCanonical = canonicalUrl(next);
        } catch (err) {
          // The server's Location, not the agent's target: named only as far as shownUrl shows it.
          const problem = err instanceof AgentOsError && 'problem' in err ? String((err as { problem: unknown }).problem) : 'not a valid URL';
          throw new RedirectDeniedError(shownUrl(location, url), problem);
        }
        params = redirectedParams(params, response.status, target.origin !== new URL(next).origin);
        const decision = await this.authorizeHop(context, next, params);
        cap = Math.min(cap, numberOr(decision.constraint?.['max_bytes']));
        if (decision.constraint !== undefined) checkMethod(params.method, decision.constraint);
        redirects.push(nextCanonical);
        url = nextCanonical + new URL(next).search;
        canonical = nextCanonical;
      } finally {
        void (agent as Agent).destroy().catch(() => undefined);
      }
    }
  }

  private async authorizeHop(context: ExecutionContext, next: string, params: HttpParams): Promise<{ constraint?: Readonly<Record<string, unknown>> }> {
    if (context.authorize === undefined) throw new RedirectDeniedError(shownUrl(next), 'no policy hook to decide the hop (context.authorize)');
    const decision = await context.authorize({ action: 'net.http', target: next, params: { method: params.method } });
    if (decision.effect !== 'allow') throw new RedirectDeniedError(shownUrl(next), decision.reason);
    return decision as { constraint?: Readonly<Record<string, unknown>> };
  }

  private responseHeaders(headers: Headers): Record<string, string> {
    const out: Record<string, string> = {};
    headers.forEach((value, name) => {
      if (name !== 'set-cookie') out[name] = this.credentials.redact(value);
    });
    return out;
  }
}

/** Fetch-spec method rewriting, and origin-bound headers dropped on a cross-origin hop. */
function redirectedParams(params: HttpParams, status: number, crossOrigin: boolean): HttpParams {
  const toGet = (status === 303 && params.method !== 'HEAD') || ((status === 301 || status === 302) && params.method === 'POST');
  const headers = Object.fromEntries(
    Object.entries(params.headers).filter(([name]) => {
      const lower = name.toLowerCase();
      if (crossOrigin && ORIGIN_BOUND.includes(lower)) return false;
      return !(toGet && lower.startsWith('content-'));
    }),
  );
  if (toGet) return { method: 'GET', headers };
  return { ...params, headers };
}

function checkMethod(method: string, constraint: Readonly<Record<string, unknown>>): void {
  const allowed = constraint['method'];
  if (Array.isArray(allowed) && !allowed.map((m) => String(m).toUpperCase()).includes(method)) {
    throw new MethodNotAllowedError(method, allowed.map(String));
  }
}

function numberOr(value: unknown): number {
  return typeof value === 'number' && value >= 0 ? value : Infinity;
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A redirect's `Location` as an error shows it: scheme, host, port and path, never userinfo
 * (a password) or the query (the server's words — possibly echoed content or parameters),
 * which would reach the agent and the audit log's `error` (red team, 2026-12-02). `?…` marks
 * a query left out.
 */
function shownUrl(location: string, base?: string): string {
  try {
    const u = new URL(location, base);
    return `${u.protocol}//${u.host}${u.pathname}${u.search === '' ? '' : '?…'}`;
  } catch {
    return '(a Location that is not a URL)';
  }
}
