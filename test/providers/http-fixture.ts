/** A real HTTP server on a loopback address that records every request, plus policy-backed contexts. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { issueGrant } from '../../src/kernel/grant';
import type { ActionRequest, ExecutionContext } from '../../src/kernel/types';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { loadPolicyText } from '../../src/policy/load';
import type { Decision } from '../../src/policy/types';
import type { HttpProvider } from '../../src/providers/http';
import type { HttpResult } from '../../src/providers/http-params';

/** One request the server saw. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A running test server. */
export interface TestServer {
  readonly base: string;
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

let bomb: Buffer | undefined;

/** Starts a server on `host` (default 127.0.0.1) and `port` (default any). */
export function startServer(host = '127.0.0.1', port = 0): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.endsWith('/redirect')) {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' });
        return res.end();
      }
      if (url.pathname === '/bomb') {
        bomb ??= zlib.gzipSync(Buffer.alloc(100 * 1024 * 1024));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
        return res.end(bomb);
      }
      if (url.pathname === '/slow') return; // never answers
      if (url.pathname === '/cookie') res.setHeader('set-cookie', 'session=abc');
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': host });
      res.end(JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body }));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        base: `http://${host}:${actual}`,
        port: actual,
        seen,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** An `authorize` hook backed by a real compiled policy (YAML text). */
export function policyAuthorizer(yaml: string): (request: ActionRequest) => Promise<Decision> {
  const compiled = compilePolicy(loadPolicyText(yaml, 'test-policy.yaml'));
  return (request) => Promise.resolve(evaluate(compiled, canonicalizeRequest(request)));
}

/** A kernel-issued context for an allowed net.http request. */
export function httpContext(target: string, extra: Partial<ExecutionContext> = {}): ExecutionContext {
  return issueGrant({ decision: { effect: 'allow', ruleId: 'test', reason: 'test rule', target }, constraint: {}, ...extra });
}

/** resolve + execute as the kernel does. */
export async function fetchVia(
  provider: HttpProvider,
  target: string,
  params: Record<string, unknown> = {},
  extra: Partial<ExecutionContext> = {},
): Promise<HttpResult> {
  const resolved = await provider.resolve({ action: 'net.http', target, params });
  return provider.execute(resolved, httpContext(resolved.canonicalTarget, extra));
}
