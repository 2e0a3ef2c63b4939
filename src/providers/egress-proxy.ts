/**
 * The egress proxy of one program run granted `network: proxy`: an HTTP proxy (CONNECT
 * tunnels and plain-HTTP forwarding, parsed by Node's own `http` server) on a Unix socket in a
 * private host folder that the sandbox shows read-only (see sandbox/forwarder.ts).
 *
 * It decides nothing: every CONNECT and every forwarded request goes to the kernel's egress
 * hook, which judges it with the `net.http` rules and writes its one audit record. Only an
 * allowed connection is opened, and only to what was judged: host and port come from the
 * canonical URL the kernel returns, the host is resolved once and every address checked
 * (non-public addresses refused unless opted in, as for net.http), and the socket goes to
 * the checked address. A denial is a `403`, a failure a `502`; a `max_bytes` on the deciding
 * rule caps the bytes relayed back. Inside a TLS tunnel the proxy sees only `host:port`.
 */
import { mkdtempSync, chownSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { EgressGrant, EgressHook, EgressOutcome } from '../kernel/types';
import { EgressFailedError, InvalidParamsError } from './errors';
import { resolveChecked, type Resolver } from './http-connect';
import { isOverrideHeader, methodOverrideField } from './http-params';
import { PROXY_SOCKET_NAME } from './sandbox/forwarder';

/** Settings of the egress proxy (`ProcessProviderOptions.egress`). */
export interface EgressProxyOptions {
  /** Host → addresses (default: the system resolver). Called once per connection. */
  readonly resolver: Resolver;
  /** Non-public addresses that may be reached anyway, e.g. `['127.0.0.1']` (as net.http's `allowAddresses`). */
  readonly allowAddresses: readonly string[];
  /** Upstream connect timeout in ms. */
  readonly connectTimeoutMs: number;
}

/** A running proxy. */
export interface EgressProxy {
  /** The host folder holding `proxy.sock` (bind it into the sandbox). */
  readonly dir: string;
  /** Connections decided so far. */
  readonly stats: { allowed: number; refused: number };
  /** Stops accepting, ends every open connection, waits for pending decisions, removes the folder. */
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);
const AUTHORITY = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/**
 * Starts the proxy for one run.
 * @param egress the kernel's hook from the execution context.
 * @param owner host uid/gid the sandbox runs as (the folder and socket are handed to it).
 */
export async function startEgressProxy(egress: EgressHook, options: EgressProxyOptions, owner: { uid?: number; gid?: number } = {}): Promise<EgressProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aok-net-'));
  const sockets = new Set<Duplex>();
  const pending = new Set<Promise<unknown>>();
  const stats = { allowed: 0, refused: 0 };
  let closed = false;

  const decide = <T>(method: string, url: string, open: (grant: EgressGrant) => Promise<T>, discard: (value: T) => void): Promise<EgressOutcome<T>> => {
    const p = egress(
      { method, url },
      async (grant) => {
        if (closed) throw new EgressFailedError(grant.target, 'the program has ended');
        return open(grant);
      },
      discard,
    ).then((outcome) => {
      if (outcome.allowed) stats.allowed += 1;
      else stats.refused += 1;
      return outcome;
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const server = http.createServer();
  // Neither handler may reject (an unhandled rejection would end the worker): any slip ends that connection.
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on('error', () => res.destroy());
    forward(req, res, decide, options, track).catch(() => res.destroy());
  });
  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    tunnel(req, socket, head, decide, options, track).catch(() => socket.destroy());
  });
  server.on('connection', (s: net.Socket) => track(s));
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  const socketPath = path.join(dir, PROXY_SOCKET_NAME);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    if (owner.uid !== undefined || owner.gid !== undefined) {
      for (const p of [dir, socketPath]) chownSync(p, owner.uid ?? -1, owner.gid ?? -1);
    }
  } catch (err) {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    dir,
    stats,
    async close() {
      closed = true;
      server.close();
      for (const s of sockets) s.destroy();
      while (pending.size > 0) await Promise.allSettled([...pending]);
      for (const s of sockets) s.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Decide = <T>(method: string, url: string, open: (grant: EgressGrant) => Promise<T>, discard: (value: T) => void) => Promise<EgressOutcome<T>>;

/** Host (brackets removed) and port of a canonical http(s) URL: exactly what was judged. */
function judged(target: string): { host: string; port: number } {
  const url = new URL(target);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
}

function refusalText(outcome: Extract<EgressOutcome<unknown>, { allowed: false }>): { status: number; body: string } {
  const status = outcome.status === 'DENIED' || outcome.code === 'Provider.AddressRefused' || outcome.code === 'Provider.InvalidParams' ? 403 : 502;
  return { status, body: `agent-os egress proxy: ${outcome.status === 'DENIED' ? 'not permitted' : 'failed'} (${outcome.code}): ${outcome.reason}\n` };
}

async function connectChecked(grant: EgressGrant, options: EgressProxyOptions): Promise<net.Socket> {
  const { host, port } = judged(grant.target);
  const address = await resolveChecked(host, options.resolver, options.allowAddresses);
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: address, port, timeout: options.connectTimeoutMs });
    const fail = (problem: string, cause?: unknown): void => {
      socket.destroy();
      reject(new EgressFailedError(grant.target, problem, { cause }));
    };
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeAllListeners('error');
      socket.removeAllListeners('timeout');
      // Until the relay takes over (after the audit record is written), an error only ends it.
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
    socket.once('timeout', () => fail(`no connection within ${options.connectTimeoutMs} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(typeof err.code === 'string' ? err.code : 'connection error', err));
  });
}

/**
 * Relays `from` into `to` with backpressure; once more than `maxBytes` came through, only
 * the allowed part is written, `to` is ended and `from` destroyed.
 */
function capped(from: Readable, to: Writable, maxBytes: number | undefined): void {
  let left = maxBytes ?? Infinity;
  from.on('data', (chunk: Buffer) => {
    if (to.destroyed) return void from.destroy();
    if (chunk.length > left) {
      to.end(chunk.subarray(0, left));
      left = 0;
      from.destroy();
      return;
    }
    left -= chunk.length;
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

async function tunnel(
  req: http.IncomingMessage,
  client: Duplex,
  head: Buffer,
  decide: Decide,
  options: EgressProxyOptions,
  track: (s: Duplex) => void,
): Promise<void> {
  client.on('error', () => client.destroy());
  const authority = req.url ?? '';
  // A malformed authority is still decided (and recorded): as a target the kernel refuses.
  const url = AUTHORITY.test(authority) ? `https://${authority}/` : `connect:${authority.slice(0, 512)}`;
  const outcome = await decide(
    'CONNECT',
    url,
    async (grant) => ({ socket: await connectChecked(grant, options), max: maxBytes(grant) }),
    (v) => v.socket.destroy(),
  );
  if (!outcome.allowed) {
    const { status, body } = refusalText(outcome);
    client.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  const { socket: upstream, max } = outcome.value;
  track(upstream);
  const both = (): void => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', both);
  client.on('error', both);
  upstream.on('close', both);
  client.on('close', both);
  if (client.destroyed) return both();
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  capped(upstream, client, max);
  capped(client, upstream, undefined);
}

/** The deciding rule's `max_bytes`: the most bytes relayed back to the program. */
function maxBytes(grant: EgressGrant): number | undefined {
  const cap = grant.constraint['max_bytes'];
  return typeof cap === 'number' ? cap : undefined;
}

async function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  decide: Decide,
  options: EgressProxyOptions,
  track: (s: Duplex) => void,
): Promise<void> {
  const raw = req.url ?? '';
  const method = req.method ?? 'GET';
  let search = '';
  try {
    search = new URL(raw).search;
  } catch {
    // not absolute: the kernel refuses it as a target, and that is recorded
  }
  // Decided and recorded once the upstream socket is connected, before a byte of the request is sent.
  const outcome = await decide(
    method,
    raw.slice(0, 4096),
    async (grant) => {
      // Forwarded requests are plain HTTP; https goes through CONNECT (a TLS tunnel), never in clear to port 443.
      if (!grant.target.startsWith('http://')) throw new EgressFailedError(grant.target, 'only http:// URLs are forwarded; https needs a CONNECT tunnel');
      // The server must act on the method and path that were judged, as for net.http (red team 14).
      const override = Object.keys(req.headers).find(isOverrideHeader);
      if (override !== undefined) {
        throw new InvalidParamsError('headers', `${override} would let the server act on a method, host or path other than the one the policy judged`);
      }
      if (methodOverrideField(search, undefined) !== undefined) {
        throw new InvalidParamsError('target', 'a _method field in the query would let the server act on a method other than the one the policy judged');
      }
      return { socket: await connectChecked(grant, options), grant };
    },
    (v) => v.socket.destroy(),
  );
  if (!outcome.allowed) {
    const { status, body } = refusalText(outcome);
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
    return;
  }
  const { socket, grant } = outcome.value;
  track(socket);
  const target = new URL(grant.target);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
  headers['host'] = target.host; // the host that was judged, never one the program names
  const upstream = http.request({ createConnection: () => socket, method, path: target.pathname + search, headers });
  const fail = (): void => {
    upstream.destroy();
    if (res.headersSent) res.destroy();
    else {
      const body = `agent-os egress proxy: the upstream of ${grant.target} failed\n`;
      res.writeHead(502, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
    }
  };
  upstream.on('error', fail);
  res.on('error', () => upstream.destroy());
  res.on('close', () => upstream.destroy());
  upstream.once('response', (response) => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(response.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
    out['connection'] = 'close';
    // Node's client reads any three digits as a status, writeHead refuses one under 100: thrown in
    // this listener it would end the worker (red team 14). Whatever writeHead refuses is a failed upstream.
    try {
      res.writeHead(response.statusCode ?? 502, out);
    } catch {
      response.destroy();
      return fail();
    }
    response.on('error', () => res.destroy());
    capped(response, res, maxBytes(grant));
  });
  req.pipe(upstream);
}
