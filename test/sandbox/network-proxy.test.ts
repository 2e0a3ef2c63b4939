import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { ProcessProvider } from '../../src/providers/process';
import type { ProcessResult } from '../../src/providers/process';
import { makeWorkspace } from '../providers/process-fixture';

/** A loopback canary: answers every request with its own body and remembers what it saw. */
interface Canary {
  readonly port: number;
  readonly seen: { method: string; url: string; host: string }[];
  close(): Promise<void>;
}

function startCanary(body: string): Promise<Canary> {
  const seen: Canary['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        seen,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

interface LogRecord {
  readonly action: string;
  readonly target: string;
  readonly status: string;
  readonly code?: string;
  readonly canonical_target?: string;
  readonly exec_id?: string;
  readonly rule_id?: string;
}

function records(logPath: string): LogRecord[] {
  return fs
    .readFileSync(logPath, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogRecord);
}

describe('proc.exec network: proxy (real bubblewrap, loopback canaries)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  let allowed: Canary;
  let denied: Canary;
  // Names the proxy resolves on the host (the sandbox has no DNS of its own).
  const resolver = (host: string): Promise<string[]> => Promise.resolve(host.endsWith('.test') ? ['127.0.0.1'] : []);
  const provider = (): ProcessProvider => new ProcessProvider({ mounts: { '/workspace': ws }, egress: { allowAddresses: ['127.0.0.1'], resolver } });
  let n = 0;

  before(async () => {
    allowed = await startCanary('CANARY-ALLOWED-BODY');
    denied = await startCanary('CANARY-DENIED-BODY');
  });
  after(async () => {
    await allowed.close();
    await denied.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function ceiling(network: boolean): string {
    const grant = network ? ', network: proxy' : '';
    return [
      'version: 1',
      'capabilities:',
      `  - { id: curl, action: proc.exec, resource: curl, constraint: { cwd: "/workspace/**"${grant} } }`,
      `  - { id: canary-http, action: net.http, resource: "http://allowed.test:${allowed.port}/**" }`,
      `  - { id: canary-tunnel, action: net.http, resource: "https://allowed.test:${allowed.port}/**", constraint: { method: [CONNECT] } }`,
      '',
    ].join('\n');
  }

  async function curl(kernel: Kernel, args: string[]): Promise<ProcessResult> {
    const r = await kernel.submit({ action: 'proc.exec', target: 'curl', params: { args: ['-sS', '--max-time', '20', ...args], cwd: '/workspace' } });
    assert.equal(r.status, 'OK', JSON.stringify(r));
    return r.data as ProcessResult;
  }

  function kernelWith(policy: string, narrow: string[] = []): { kernel: Kernel; logPath: string } {
    n += 1;
    const logPath = path.join(root, `kernel-${n}.log`);
    const kernel = new Kernel({
      policy: loadPolicyText(policy, `ceiling-${n}.yaml`),
      narrow: narrow.map((text, i) => loadPolicyText(text, `run-${n}-${i}.yaml`)),
      providers: [provider()],
      logPath,
    });
    return { kernel, logPath };
  }

  test('network proxy: an allowed host through HTTP_PROXY → the canary body, and one OK net.http record linked to the run', async () => {
    const { kernel, logPath } = kernelWith(ceiling(true));
    const before = allowed.seen.length;
    const out = await curl(kernel, [`http://allowed.test:${allowed.port}/hello?x=1`]);
    await kernel.close();
    assert.equal(out.stdout, 'CANARY-ALLOWED-BODY', out.stderr);
    assert.deepEqual(allowed.seen.slice(before), [{ method: 'GET', url: '/hello?x=1', host: `allowed.test:${allowed.port}` }]);
    assert.deepEqual(out.network, { mode: 'proxy', allowed: 1, refused: 0 });
    const log = records(logPath);
    const net = log.filter((r) => r.action === 'net.http');
    const exec = log.filter((r) => r.action === 'proc.exec');
    assert.equal(net.length, 1);
    assert.equal(exec.length, 1);
    assert.equal(net[0]?.status, 'OK');
    assert.equal(net[0]?.rule_id, 'canary-http');
    assert.equal(net[0]?.canonical_target, `http://allowed.test:${allowed.port}/hello`);
    assert.ok(net[0]?.exec_id !== undefined && net[0].exec_id === exec[0]?.exec_id, 'the connection record names the run');
  });
});
