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
import { McpRedirectRefusedError, McpResponseTooLargeError } from './errors';

/** What the guarded fetch needs. */
export interface GuardedFetchOptions {
  readonly server: string;
  readonly resolver: Resolver;
  readonly allowAddresses: readonly string[];
  /** Credential headers for this server (lower-cased names → values); added to every request. */
  readonly headers: () => Readonly<Record<string, string>>;
  readonly maxResponseBytes: number;
  readonly connectTimeoutMs: number;
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
    const body =
      response.body === null
        ? null
        : capped(response.body, options.maxResponseBytes, options.server, () => void (agent as Agent).close().catch(() => undefined));
    if (body === null) void (agent as Agent).close().catch(() => undefined);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function capped(body: ReadableStream<Uint8Array>, limit: number, server: string, done: () => void): ReadableStream<Uint8Array> {
  let seen = 0;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
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
