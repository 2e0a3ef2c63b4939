/**
 * The `fetch` the Streamable HTTP transport uses: every request goes through the same guard as
 * net.http (http-connect.ts) — the host is resolved once, every address checked (private,
 * loopback and metadata addresses refused unless the operator allows that exact address), the
 * connection pinned to the checked address — redirects are never followed (any 3xx fails the
 * call with `Mcp.RedirectRefused`), the operator's credential headers are added by the worker,
 * and every response body is capped.
 */
import type { Agent } from 'undici';
import { undici } from '../undici-lazy';
import { pinnedAgent, resolveChecked, type Resolver } from '../http-connect';
import { McpRedirectRefusedError, McpResponseTimeoutError, McpResponseTooLargeError } from './errors';

/** What the guarded fetch needs. */
export interface GuardedFetchOptions {
  readonly server: string;
  readonly resolver: Resolver;
  readonly allowAddresses: readonly string[];
  /** Credential headers for this server (lower-cased names → values); added to every request. */
  readonly headers: () => Readonly<Record<string, string>>;
  readonly maxResponseBytes: number;
  readonly connectTimeoutMs: number;
  /**
   * Longest life of the response to a POST (a request, or a notification): its event stream is
   * ended after this many ms even if the server never ends it — the request it answers has timed
   * out by then. The standing GET stream is exempt.
   */
  readonly maxResponseMs?: number;
}

/** A fetch function for `StreamableHTTPClientTransport({ fetch })`. */
export function guardedFetch(options: GuardedFetchOptions): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const target = new URL(url);
    const address = await resolveChecked(target.hostname, options.resolver, options.allowAddresses);
    const agent = pinnedAgent(address, { connectTimeoutMs: options.connectTimeoutMs });
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(options.headers())) headers.set(name, value);
    let response: Response;
    try {
      response = (await undici().fetch(target, { ...(init as object), headers, redirect: 'manual', dispatcher: agent } as never)) as unknown as Response;
    } catch (err) {
      void (agent as Agent).destroy().catch(() => undefined);
      throw err;
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      void (agent as Agent).destroy().catch(() => undefined);
      throw new McpRedirectRefusedError(options.server, response.status);
    }
    const lifetime = (init?.method ?? 'GET').toUpperCase() === 'GET' ? undefined : options.maxResponseMs;
    const body =
      response.body === null
        ? null
        : capped(
            response.body,
            options.maxResponseBytes,
            options.server,
            lifetime,
            (late) => void (late ? (agent as Agent).destroy() : (agent as Agent).close()).catch(() => undefined),
          );
    if (body === null) void (agent as Agent).close().catch(() => undefined);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * `body` cut at `limit` bytes and, with `lifetimeMs`, ended that long after it began (red team 14:
 * a server kept each timed-out call's event stream open, a socket per call); `done(late)` once
 * it is over, `late` when the lifetime ended it.
 */
function capped(
  body: ReadableStream<Uint8Array>,
  limit: number,
  server: string,
  lifetimeMs: number | undefined,
  finished: (late: boolean) => void,
): ReadableStream<Uint8Array> {
  let seen = 0;
  const reader = body.getReader();
  let over = false;
  let timer: NodeJS.Timeout | undefined;
  const done = (late = false): void => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    finished(late);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (lifetimeMs === undefined) return;
      timer = setTimeout(() => {
        void reader.cancel().catch(() => undefined);
        controller.error(new McpResponseTimeoutError(server, lifetimeMs));
        done(true);
      }, lifetimeMs);
      timer.unref();
    },
    async pull(controller) {
      try {
        const { value, done: end } = await reader.read();
        if (end) {
          controller.close();
          done();
          return;
        }
        seen += value.byteLength;
        if (seen > limit) {
          await reader.cancel().catch(() => undefined);
          controller.error(new McpResponseTooLargeError(server, limit));
          done();
          return;
        }
        controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        done();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
      done();
    },
  });
}
