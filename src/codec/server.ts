/**
 * The codec server: Temporal's remote codec protocol over HTTP(S), so the Web UI and
 * `temporal … --codec-endpoint` show decoded payloads to those allowed.
 *
 * - `POST …/encode` and `POST …/decode`: a `Payloads` message as protobuf JSON
 *   (`{"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}`) in and out;
 *   only the last path segment selects the operation. A decode error is a 400 naming the
 *   `Codec.*` code and the key id.
 * - Access: `Authorization: Bearer <token>`, or — for a Web UI that forwards no token, like
 *   the dev server's — the token as the first path segment (`http://127.0.0.1:8081/<token>`
 *   is then the endpoint), or mTLS (a client certificate signed by `clientCa`).
 * - CORS only for the configured UI origins; requests from any other origin are refused.
 * - `X-Namespace` is required when `namespaces` is set and must name one of them; payloads bound
 *   to another namespace than the one the request names are refused (`Codec.Misplaced`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CodecError } from './errors';
import { otherNamespace } from './server-namespace';

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  readonly codec: PayloadCodec;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default 0: a free one). */
  readonly port?: number;
  /** The access token (Bearer, or first path segment when `tokenInPath`). Required unless `tls.clientCa` is set. */
  readonly token?: string;
  /** Also accept the token as the first path segment (for the dev server's UI, which forwards no token). */
  readonly tokenInPath?: boolean;
  /** Web UI origins allowed by CORS, e.g. `http://127.0.0.1:8233`. */
  readonly uiOrigins?: readonly string[];
  /** Namespaces served: a request must name one (X-Namespace); any when absent. */
  readonly namespaces?: readonly string[];
  /** HTTPS; with `clientCa`, clients must present a certificate it signed (mTLS). PEM contents. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly clientCa?: string };
  /** Largest request body (default 16 MiB). */
  readonly maxBodyBytes?: number;
}

/** A running codec server. */
export interface CodecServer {
  /** Base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The endpoint to give the Web UI / CLI: the base URL, plus `/<token>` when `tokenInPath`. */
  readonly endpoint: string;
  /** Allows one more Web UI origin (e.g. once the UI's port is known). */
  allowOrigin(origin: string): void;
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/**
 * Starts the codec server.
 * @throws Error when neither a token nor mTLS is configured, or listening fails.
 * @example
 * const server = await startCodecServer({ codec: new AesGcmCodec(keyRingFromEnv()), token, uiOrigins: ['http://127.0.0.1:8233'] });
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (!options.token && !options.tls?.clientCa) throw new Error('a codec server needs an access token or mTLS (a client CA): it hands out decrypted payloads');
  const origins = new Set(options.uiOrigins ?? []);
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void handle(req, res, options, origins, maxBody).catch((err: unknown) => reply(res, 500, { message: `codec server: ${(err as Error).message}` }));
  };
  const server = options.tls
    ? https.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        },
        handler,
      )
    : http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    endpoint: options.tokenInPath && options.token ? `${url}/${options.token}` : url,
    allowOrigin: (origin) => void origins.add(origin),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: CodecServerOptions,
  origins: ReadonlySet<string>,
  maxBody: number,
): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (!origins.has(origin)) return reply(res, 403, { message: `origin ${origin} is not allowed (start the codec server with --ui-origin ${origin})` });
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
    res.writeHead(204).end();
    return;
  }
  const segments = new URL(req.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean);
  const operation = segments.at(-1);
  if (req.method !== 'POST' || (operation !== 'encode' && operation !== 'decode')) return reply(res, 404, { message: 'POST …/encode or …/decode' });
  if (!authorised(req, segments, options)) return reply(res, 401, { message: 'missing or wrong access token (Authorization: Bearer <token>)' });
  const namespace = req.headers['x-namespace'];
  if (options.namespaces && typeof namespace !== 'string') {
    // Without the header a request could decode any namespace's payloads (red team 15c).
    return reply(res, 403, { message: `X-Namespace is required: this codec server serves ${options.namespaces.join(', ')} only` });
  }
  if (options.namespaces && typeof namespace === 'string' && !options.namespaces.includes(namespace)) {
    return reply(res, 403, { message: `namespace ${namespace} is not served here (serving: ${options.namespaces.join(', ')})` });
  }
  const body = await readBody(req, maxBody);
  if (body === undefined) return reply(res, 413, { message: `request body over ${maxBody} bytes` });
  let payloads: Payload[];
  try {
    const json = JSON.parse(body.toString('utf8')) as unknown;
    payloads = temporal.api.common.v1.Payloads.fromObject(json as Record<string, unknown>).payloads as Payload[];
  } catch (err) {
    return reply(res, 400, { message: `expected a Payloads message as protobuf JSON: ${(err as Error).message}` });
  }
  const misplaced = operation === 'decode' && typeof namespace === 'string' ? otherNamespace(payloads, namespace) : undefined;
  if (misplaced !== undefined) return reply(res, 400, { code: misplaced.code, message: misplaced.message });
  let out: Payload[];
  try {
    out = operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
  } catch (err) {
    if (err instanceof CodecError) return reply(res, 400, { code: err.code, message: err.message });
    throw err;
  }
  reply(res, 200, temporal.api.common.v1.Payloads.toObject(temporal.api.common.v1.Payloads.create({ payloads: out }), { bytes: String }));
}

function authorised(req: http.IncomingMessage, segments: readonly string[], options: CodecServerOptions): boolean {
  const socket = req.socket as { authorized?: boolean };
  if (options.tls?.clientCa && socket.authorized === true) return true;
  const token = options.token;
  if (!token) return false;
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ') && sameSecret(header.slice('Bearer '.length).trim(), token)) return true;
  return options.tokenInPath === true && segments.length === 2 && sameSecret(segments[0] ?? '', token);
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
}
