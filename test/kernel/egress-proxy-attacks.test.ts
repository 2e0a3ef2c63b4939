import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { startEgressProxy } from '../../src/providers/egress-proxy';
import { PROXY_SOCKET_NAME } from '../../src/providers/sandbox/forwarder';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

/** A loopback canary that remembers every request it saw. */
interface Canary {
  readonly port: number;
  readonly seen: string[];
  /** The headers of every request seen, in order. */
  readonly headers: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

function startCanary(name: string): Promise<Canary> {
  const seen: string[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
    headers.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`CANARY-${name}`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        seen,
        headers,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      }),
    );
  });
}

/** Writes `bytes` to the proxy socket and collects everything until the proxy closes (or the program ends it). */
function exchange(sock: string, bytes: string, after?: (got: string, s: net.Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      after?.(got, s);
    });
    s.on('error', () => resolve(got));
    s.on('close', () => resolve(got));
    s.write(bytes);
  });
}

describe('egress proxy under attack (real proxy, real kernel, loopback canaries)', () => {
  let ok: Canary;
  let evil: Canary;
  before(async () => {
    ok = await startCanary('OK');
    evil = await startCanary('EVIL');
  });
  after(async () => {
    await ok.close();
    await evil.close();
  });

  /** Runs `attack` as a program granted network: proxy; returns the log. */
  async function asProgram(
    attack: (sock: string) => Promise<void>,
    resolver: (host: string) => Promise<string[]> = (host) => Promise.resolve(host.endsWith('.test') ? ['127.0.0.1'] : []),
    extraPolicy: readonly string[] = [],
  ): Promise<Record<string, unknown>[]> {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const policy = [
      'version: 1',
      'capabilities:',
      '  - { action: proc.exec, resource: "net-tool", constraint: { network: proxy } }',
      `  - { id: ok-http, action: net.http, resource: "http://ok.test:${ok.port}/**" }`,
      `  - { id: ok-tunnel, action: net.http, resource: "https://ok.test:${ok.port}/**", constraint: { method: [CONNECT] } }`,
      ...extraPolicy,
      '',
    ].join('\n');
    const provider = new SpyProvider('proc', ['proc.exec'], async (_request, context) => {
      assert.ok(context.egress !== undefined);
      const proxy = await startEgressProxy(context.egress, { resolver, allowAddresses: ['127.0.0.1'], connectTimeoutMs: 5000 });
      try {
        await attack(path.join(proxy.dir, PROXY_SOCKET_NAME));
      } finally {
        await proxy.close();
      }
      return 'done';
    });
    const kernel = new Kernel({ policy: writePolicy(dir, policy), providers: [provider], logPath });
    const r = await kernel.submit({ action: 'proc.exec', target: 'net-tool' });
    await kernel.close();
    assert.equal(r.status, 'OK', JSON.stringify(r));
    return readLog(logPath).filter((x) => x['action'] === 'net.http');
  }

  test('egress proxy: two pipelined plain-HTTP requests, the second to a denied host → the denied canary sees nothing; each request decided', async () => {
    const evilBefore = evil.seen.length;
    let reply = '';
    const log = await asProgram(async (sock) => {
      reply = await exchange(
        sock,
        `GET http://ok.test:${ok.port}/a HTTP/1.1\r\nHost: ok.test:${ok.port}\r\n\r\n` +
          `GET http://evil.test:${evil.port}/b HTTP/1.1\r\nHost: evil.test:${evil.port}\r\n\r\n`,
      );
    });
    assert.equal(evil.seen.length, evilBefore, `the denied canary saw ${JSON.stringify(evil.seen.slice(evilBefore))}`);
    assert.ok(!reply.includes('CANARY-EVIL'), reply);
    for (const r of log) assert.ok(r['status'] === 'OK' ? String(r['canonical_target']).includes('ok.test') : true);
  });

  test('egress proxy: CONNECT to IP spellings, localhost and the metadata address when only a name is allowed → all refused, one record each', async () => {
    const targets = [
      `127.0.0.1:${ok.port}`,
      `2130706433:${ok.port}`,
      `0x7f000001:${ok.port}`,
      `0177.0.0.1:${ok.port}`,
      `127.1:${ok.port}`,
      `localhost:${ok.port}`,
      `[::1]:${ok.port}`,
      `[::ffff:127.0.0.1]:${ok.port}`,
      '169.254.169.254:80',
    ];
    const replies: string[] = [];
    const okBefore = ok.seen.length;
    const log = await asProgram(async (sock) => {
      for (const t of targets) replies.push(await exchange(sock, `CONNECT ${t} HTTP/1.1\r\nHost: ${t}\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`));
    });
    for (const [i, r] of replies.entries()) assert.match(r, /^HTTP\/1\.1 403/, `${targets[i]}: ${r}`);
    assert.equal(ok.seen.length, okBefore);
    assert.equal(log.length, targets.length);
    assert.ok(log.every((r) => r['status'] === 'DENIED'));
  });

  test('egress proxy: upper-case and trailing-dot names → judged as the canonical name (allowed), the upstream sees the judged host', async () => {
    const okBefore = ok.seen.length;
    let reply = '';
    const log = await asProgram(async (sock) => {
      reply = await exchange(sock, `GET http://OK.TEST.:${ok.port}/x HTTP/1.1\r\nHost: evil.test\r\nConnection: close\r\n\r\n`);
    });
    assert.match(reply, /CANARY-OK/);
    assert.deepEqual(ok.seen.slice(okBefore), [`GET /x host=ok.test:${ok.port}`]);
    assert.equal(log.length, 1);
  });

  test('egress proxy: userinfo and origin-form requests → refused and recorded, nothing reaches either canary', async () => {
    const before = ok.seen.length + evil.seen.length;
    const replies: string[] = [];
    const log = await asProgram(async (sock) => {
      replies.push(await exchange(sock, `GET http://ok.test:${ok.port}@evil.test:${evil.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`));
      replies.push(await exchange(sock, `GET /b HTTP/1.1\r\nHost: evil.test:${evil.port}\r\n\r\n`));
      replies.push(await exchange(sock, `GET https://ok.test:${ok.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`));
    });
    assert.equal(ok.seen.length + evil.seen.length, before);
    for (const r of replies) assert.match(r, /^HTTP\/1\.1 (403|502)/, r);
    assert.equal(log.length, 3);
  });

  test('egress proxy: an Upgrade request to an allowed host, then a second request on the upgraded stream to a denied host → the denied canary sees nothing', async () => {
    const evilBefore = evil.seen.length;
    await asProgram(async (sock) => {
      await exchange(
        sock,
        `GET http://ok.test:${ok.port}/ws HTTP/1.1\r\nHost: ok.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n` +
          `GET http://evil.test:${evil.port}/b HTTP/1.1\r\nHost: evil.test\r\n\r\n`,
      );
    });
    assert.equal(evil.seen.length, evilBefore);
  });
  test('egress proxy: DNS rebinding (the name answers a loopback address once, then the metadata address) → resolved once per connection, connected to the checked address', async () => {
    const asked: string[] = [];
    const okBefore = ok.seen.length;
    let reply = '';
    const log = await asProgram(
      async (sock) => {
        reply = await exchange(sock, `GET http://ok.test:${ok.port}/r HTTP/1.1\r\nHost: ok.test\r\nConnection: close\r\n\r\n`);
      },
      (host) => {
        asked.push(host);
        return Promise.resolve(asked.length === 1 ? ['127.0.0.1'] : ['169.254.169.254']);
      },
    );
    assert.deepEqual(asked, ['ok.test'], 'one resolution for one connection');
    assert.match(reply, /CANARY-OK/);
    assert.equal(ok.seen.length, okBefore + 1);
    assert.equal(log.length, 1);
  });

  test('egress proxy: 200 concurrent connections, half to a denied host → every one decided with exactly one record; the denied canary sees nothing', async () => {
    const evilBefore = evil.seen.length;
    const replies: string[] = [];
    const log = await asProgram(async (sock) => {
      const all = Array.from({ length: 200 }, (_, i) =>
        exchange(
          sock,
          i % 2 === 0
            ? `GET http://ok.test:${ok.port}/n${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`
            : `CONNECT evil.test:${evil.port} HTTP/1.1\r\nHost: x\r\n\r\n`,
        ),
      );
      replies.push(...(await Promise.all(all)));
    });
    assert.equal(evil.seen.length, evilBefore);
    assert.equal(log.length, 200);
    assert.equal(log.filter((r) => r['status'] === 'OK').length, 100);
    assert.equal(replies.filter((r) => r.startsWith('HTTP/1.1 403')).length, 100);
  });

  test('egress proxy: a plain-HTTP request whose headers tell the server another method or path (X-HTTP-Method-Override, X-Original-URL, …) → refused with one record, the canary sees nothing (red team 14)', async () => {
    // The policy grants GET under /public and denies /admin; the server would act on the header, not on what was judged.
    const deny = ['deny:', `  - { id: no-admin, action: net.http, resource: "http://ok.test:${ok.port}/admin/**" }`];
    const overrides = [
      'X-HTTP-Method-Override: DELETE',
      'X-Method-Override: DELETE',
      'X-Original-URL: /admin/users',
      'X-Rewrite-URL: /admin/users',
      'X-Original-Method: DELETE',
      'X_Original_URL: /admin/users',
    ];
    const okBefore = ok.seen.length;
    const replies: string[] = [];
    const log = await asProgram(
      async (sock) => {
        for (const h of overrides) {
          replies.push(await exchange(sock, `GET http://ok.test:${ok.port}/public/x HTTP/1.1\r\nHost: ok.test\r\n${h}\r\nConnection: close\r\n\r\n`));
        }
      },
      undefined,
      deny,
    );
    assert.deepEqual(ok.seen.slice(okBefore), [], `the canary saw ${JSON.stringify(ok.headers.slice(okBefore))}`);
    for (const [i, r] of replies.entries()) assert.match(r, /^HTTP\/1\.1 403/, `${overrides[i]}: ${r}`);
    assert.equal(log.length, overrides.length);
    assert.ok(
      log.every((r) => r['status'] !== 'OK' && r['code'] === 'Provider.InvalidParams'),
      JSON.stringify(log),
    );
  });

  test('egress proxy: a plain-HTTP request with _method in its query (the real method to Rails, Laravel, Symfony, method-override) → refused with one record, the canary sees nothing', async () => {
    const okBefore = ok.seen.length;
    let reply = '';
    const log = await asProgram(async (sock) => {
      reply = await exchange(sock, `GET http://ok.test:${ok.port}/public/x?_method=DELETE HTTP/1.1\r\nHost: ok.test\r\nConnection: close\r\n\r\n`);
    });
    assert.match(reply, /^HTTP\/1\.1 403/);
    assert.deepEqual(ok.seen.slice(okBefore), []);
    assert.equal(log.length, 1);
    assert.notEqual(log[0]?.['status'], 'OK');
    assert.equal(log[0]?.['code'], 'Provider.InvalidParams');
  });

  test("egress proxy: the same request without such a header → forwarded, the program's other headers kept", async () => {
    const okBefore = ok.seen.length;
    let reply = '';
    await asProgram(async (sock) => {
      reply = await exchange(sock, `GET http://ok.test:${ok.port}/public/y HTTP/1.1\r\nHost: ok.test\r\nX-Trace: 7\r\nConnection: close\r\n\r\n`);
    });
    assert.match(reply, /CANARY-OK/);
    assert.deepEqual(ok.seen.slice(okBefore), [`GET /public/y host=ok.test:${ok.port}`]);
    assert.equal(ok.headers[okBefore]?.['x-trace'], '7');
  });

  test('egress proxy: an allowed upstream answering a status Node cannot send on (099, 000) → 502 to the program, the worker keeps running (red team 14)', async () => {
    // Node's client parses any three digits; writeHead throws on a status under 100, in an event
    // listener — an uncaught exception that ended the whole worker.
    const weird = net.createServer((s) => {
      s.on('error', () => s.destroy());
      s.once('data', () => s.end(`HTTP/1.1 099 Weird\r\nContent-Length: 2\r\n\r\nhi`));
    });
    await new Promise<void>((r) => weird.listen(0, '127.0.0.1', () => r()));
    const port = (weird.address() as AddressInfo).port;
    const zero = net.createServer((s) => {
      s.on('error', () => s.destroy());
      s.once('data', () => s.end('HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nhi'));
    });
    await new Promise<void>((r) => zero.listen(0, '127.0.0.1', () => r()));
    const zeroPort = (zero.address() as AddressInfo).port;
    const replies: string[] = [];
    try {
      const log = await asProgram(
        async (sock) => {
          replies.push(await exchange(sock, `GET http://weird.test:${port}/ HTTP/1.1\r\nHost: weird.test\r\nConnection: close\r\n\r\n`));
          replies.push(await exchange(sock, `GET http://weird.test:${zeroPort}/ HTTP/1.1\r\nHost: weird.test\r\nConnection: close\r\n\r\n`));
        },
        undefined,
        [`  - { id: weird, action: net.http, resource: "http://weird.test:{${port},${zeroPort}}/**" }`],
      );
      for (const r of replies) assert.match(r, /^HTTP\/1\.1 502/, r);
      assert.equal(log.length, 2);
    } finally {
      weird.close();
      zero.close();
    }
  });
});
