import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { startEgressProxy } from '../../src/providers/egress-proxy';
import { SandboxConfigError } from '../../src/providers/errors';
import { ProcessProvider, type ProcessResult } from '../../src/providers/process';
import { PROXY_SOCKET_NAME } from '../../src/providers/sandbox/forwarder';
import { SpyProvider, readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

describe("another run's egress proxy (real bubblewrap, a real proxy, a loopback canary)", () => {
  let canary: { port: number; seen: string[]; server: http.Server };
  before(async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('CANARY-REACHED');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    canary = { port: (server.address() as AddressInfo).port, seen, server };
  });
  after(async () => {
    canary.server.closeAllConnections();
    await new Promise<void>((r) => canary.server.close(() => r()));
  });

  test("network proxy: a program without network whose mount holds the host's temp folder, while another run's proxy is up → it cannot reach that proxy; nothing is decided under the other run", async () => {
    const dir = tempDir();
    const logA = path.join(dir, 'run-a.log');
    const hostTmp = fs.realpathSync(tmpdir());
    let outB: ProcessResult | undefined;
    let refused: unknown;
    // Run A: a program granted network: proxy whose real egress proxy is up while run B runs.
    const policyA = [
      'version: 1',
      'capabilities:',
      '  - { action: proc.exec, resource: "net-tool", constraint: { network: proxy } }',
      `  - { id: canary, action: net.http, resource: "http://allowed.test:${canary.port}/**" }`,
      '',
    ].join('\n');
    const resolver = (host: string): Promise<string[]> => Promise.resolve(host.endsWith('.test') ? ['127.0.0.1'] : []);
    const runA = new SpyProvider('proc', ['proc.exec'], async (_request, context) => {
      assert.ok(context.egress !== undefined);
      const proxy = await startEgressProxy(context.egress, { resolver, allowAddresses: ['127.0.0.1'], connectTimeoutMs: 5000 });
      try {
        // Run B: a program the policy grants no network, under a worker whose mount holds the temp folder.
        let providerB: ProcessProvider | undefined;
        try {
          providerB = new ProcessProvider({ mounts: { '/workspace': hostTmp } });
        } catch (err) {
          refused = err;
        }
        if (providerB !== undefined) {
          const kernelB = new Kernel({
            policy: loadPolicyText(
              ['version: 1', 'capabilities:', '  - { action: proc.exec, resource: curl, constraint: { cwd: "/workspace/**" } }', ''].join('\n'),
              'b.yaml',
            ),
            providers: [providerB],
            logPath: path.join(dir, 'run-b.log'),
          });
          const sock = `/workspace/${path.basename(proxy.dir)}/${PROXY_SOCKET_NAME}`;
          const r = await kernelB.submit({
            action: 'proc.exec',
            target: 'curl',
            params: {
              args: ['-sS', '--max-time', '20', '--unix-socket', sock, '--request-target', `http://allowed.test:${canary.port}/from-b`, 'http://x/'],
              cwd: '/workspace',
            },
          });
          await kernelB.close();
          if (r.status === 'OK') outB = r.data as ProcessResult;
          else refused = r;
        }
      } finally {
        await proxy.close();
      }
      return 'done';
    });
    const kernelA = new Kernel({ policy: writePolicy(dir, policyA), providers: [runA], logPath: logA });
    const rA = await kernelA.submit({ action: 'proc.exec', target: 'net-tool' });
    await kernelA.close();
    assert.equal(rA.status, 'OK', JSON.stringify(rA));
    assert.deepEqual(canary.seen, [], `run B reached the canary through run A's proxy: ${outB?.stdout ?? ''}`);
    assert.deepEqual(
      readLog(logA).filter((x) => x['action'] === 'net.http'),
      [],
      "no connection was decided (or recorded) under run A's policy",
    );
    assert.ok(refused instanceof SandboxConfigError, `a mount holding the temp folder is refused: ${String(refused)}`);
    assert.match((refused as Error).message, /temp/);
  });
  test('network proxy: a program granted network: proxy connects to an abstract Unix socket the host listens on → no route (its own network namespace); the host server sees nothing', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const name = `aok-redteam-${process.pid}-${Date.now()}`;
    const seen: string[] = [];
    const host = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('HOST-ABSTRACT-REACHED');
    });
    await new Promise<void>((r) => host.listen(`\0${name}`, () => r()));
    try {
      const kernel = new Kernel({
        policy: loadPolicyText(
          ['version: 1', 'capabilities:', '  - { action: proc.exec, resource: curl, constraint: { cwd: "/workspace/**", network: proxy } }', ''].join('\n'),
          'p.yaml',
        ),
        providers: [new ProcessProvider({ mounts: { '/workspace': ws }, egress: { allowAddresses: ['127.0.0.1'] } })],
        logPath: path.join(dir, 'k.log'),
      });
      const r = await kernel.submit({
        action: 'proc.exec',
        target: 'curl',
        params: { args: ['-sS', '--max-time', '10', '--abstract-unix-socket', name, 'http://x/abstract'], cwd: '/workspace' },
      });
      await kernel.close();
      assert.equal(r.status, 'OK', JSON.stringify(r));
      const out = r.data as ProcessResult;
      assert.equal(out.exitCode, 7, `curl: could not connect (${out.stderr})`);
      assert.ok(!out.stdout.includes('HOST-ABSTRACT-REACHED'));
    } finally {
      host.close();
    }
    assert.deepEqual(seen, []);
  });
});
