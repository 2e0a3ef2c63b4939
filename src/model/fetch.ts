/**
 * The `fetch` the model client sends its requests with (the `openai` client's `fetch`
 * option): undici's `request` on a keep-alive agent of its own, the reply read whole and
 * handed back as a standard `Response`. The same HTTP client as Node's global `fetch`
 * (undici) without the WHATWG request and body-stream machinery of every call: about half
 * the client-side CPU of a model call (bench/model-call.ts, docs/performance.md).
 * undici is loaded on the first call, not on import.
 */
import type { Dispatcher } from 'undici';
import { undici } from '../providers/undici-lazy';

/** Statuses whose response has no body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

let agent: Dispatcher | undefined;

/**
 * One agent per process, as `fetch` has one global dispatcher (but not that one: a
 * `setGlobalDispatcher` does not reach model calls): keep-alive connections, and
 * redirects followed as `fetch` follows them (a 303, and a 301/302 of a POST, become a GET;
 * credentials are dropped across origins). No header or body timeout of its own: the
 * `openai` client's `timeout` aborts the request, and since the body is read here, before
 * the client clears its timer, the timeout covers the whole reply.
 */
function dispatcher(): Dispatcher {
  if (!agent) {
    const u = undici();
    agent = new u.Agent({ headersTimeout: 0, bodyTimeout: 0 }).compose(u.interceptors.redirect({ maxRedirections: 20 }));
  }
  return agent;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, value);
  }
  return headers;
}

/**
 * A `fetch` for the `openai` client: sends the method, headers, string or byte body and
 * abort signal of `init`; resolves the reply's status, headers and whole body as a
 * `Response`. An aborted signal rejects with its reason (an `AbortError`), also while the
 * body is read; a socket error rejects with undici's error, its `code` (e.g.
 * `ECONNREFUSED`) kept for toModelFailure.
 * @throws TypeError for a `Request` object or a streamed or form body (the model client sends neither).
 */
export async function modelFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('modelFetch: pass a URL, not a Request');
  const body = init?.body ?? undefined;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('modelFetch: only a string or byte body can be sent');
  }
  const headers = init?.headers === undefined ? undefined : init.headers instanceof Headers ? init.headers : new Headers(init.headers);
  const signal = init?.signal ?? undefined;
  const reply = await undici().request(input, {
    dispatcher: dispatcher(),
    method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
    ...(headers ? { headers: headers as unknown as Iterable<[string, string]> } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(signal ? { signal } : {}),
  });
  let bytes: ArrayBuffer | null = null;
  if (NULL_BODY.has(reply.statusCode)) await reply.body.dump();
  else bytes = await reply.body.arrayBuffer();
  return new Response(bytes, { status: reply.statusCode, statusText: reply.statusText, headers: responseHeaders(reply.headers) });
}
