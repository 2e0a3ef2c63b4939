import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { ProcessProvider } from '../../src/providers/process';
import type { ProcessProviderOptions, ProcessResult } from '../../src/providers/process';
import { makeWorkspace } from '../providers/process-fixture';

/** A loopback canary: answers every request with its own body and remembers what it saw. */
interface Canary {
  readonly port: number;
  readonly seen: { method: string; url: string; host: string }[];
  close(): Promise<void>;
}

function startCanary(body: string, host = '127.0.0.1'): Promise<Canary> {
  const seen: Canary['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, host, () => {
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
  const provider = (extra: Partial<ProcessProviderOptions> = {}): ProcessProvider =>
    new ProcessProvider({ mounts: { '/workspace': ws }, egress: { allowAddresses: ['127.0.0.1'], resolver }, ...extra });
  let n = 0;

  before(async () => {
    allowed = await startCanary('CANARY-ALLOWED-BODY');
    denied = await startCanary('CANARY-DENIED-BODY', '0.0.0.0'); // also on the host's own addresses
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

  function kernelWith(policy: string, narrow: string[] = [], extra: Partial<ProcessProviderOptions> = {}): { kernel: Kernel; logPath: string } {
    n += 1;
    const logPath = path.join(root, `kernel-${n}.log`);
    const kernel = new Kernel({
      policy: loadPolicyText(policy, `ceiling-${n}.yaml`),
      narrow: narrow.map((text, i) => loadPolicyText(text, `run-${n}-${i}.yaml`)),
      providers: [provider(extra)],
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
    assert.equal(net[0]?.target, `http://allowed.test:${allowed.port}/hello?…`, "the query (the program's own data) is not recorded");
    assert.ok(net[0]?.exec_id !== undefined && net[0].exec_id === exec[0]?.exec_id, 'the connection record names the run');
  });

  test('network proxy: a denied host → 403 to the program, the canary sees no request, one DENIED record', async () => {
    const { kernel, logPath } = kernelWith(ceiling(true));
    const before = denied.seen.length;
    const out = await curl(kernel, ['-o', '/dev/null', '-w', '%{http_code}', `http://denied.test:${denied.port}/secret`]);
    await kernel.close();
    assert.equal(out.stdout, '403');
    assert.equal(denied.seen.length, before, 'the denied canary saw nothing');
    const net = records(logPath).filter((r) => r.action === 'net.http');
    assert.deepEqual(
      net.map((r) => [r.status, r.code, r.canonical_target]),
      [['DENIED', 'Policy.Denied', `http://denied.test:${denied.port}/secret`]],
    );
  });

  test('network proxy: CONNECT tunnels → the allowed host:port is tunnelled (rule with method CONNECT), the denied one gets 403', async () => {
    const { kernel, logPath } = kernelWith(ceiling(true));
    const beforeAllowed = allowed.seen.length;
    const beforeDenied = denied.seen.length;
    const ok = await curl(kernel, ['--proxytunnel', `http://allowed.test:${allowed.port}/tunnelled`]);
    const refused = await curl(kernel, ['--proxytunnel', `http://denied.test:${denied.port}/tunnelled`]);
    await kernel.close();
    assert.equal(ok.stdout, 'CANARY-ALLOWED-BODY', ok.stderr);
    assert.deepEqual(
      allowed.seen.slice(beforeAllowed).map((s) => s.url),
      ['/tunnelled'],
    );
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /403/);
    assert.equal(denied.seen.length, beforeDenied);
    const net = records(logPath).filter((r) => r.action === 'net.http');
    assert.deepEqual(
      net.map((r) => [r.status, r.canonical_target, r.rule_id]),
      [
        ['OK', `https://allowed.test:${allowed.port}/`, 'canary-tunnel'],
        ['DENIED', `https://denied.test:${denied.port}/`, undefined],
      ],
    );
  });

  test("network proxy: two connections in one run → two records with the run's exec_id, then the run's own record", async () => {
    const { kernel, logPath } = kernelWith(ceiling(true));
    const out = await curl(kernel, [
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} ',
      `http://allowed.test:${allowed.port}/a`,
      `http://denied.test:${denied.port}/b`,
    ]);
    await kernel.close();
    assert.equal(out.stdout, '200 403 ');
    assert.deepEqual(out.network, { mode: 'proxy', allowed: 1, refused: 1 });
    const log = records(logPath);
    assert.deepEqual(
      log.map((r) => [r.action, r.status]),
      [
        ['net.http', 'OK'],
        ['net.http', 'DENIED'],
        ['proc.exec', 'OK'],
      ],
    );
    const ids = new Set(log.map((r) => r.exec_id));
    assert.equal(ids.size, 1);
    assert.ok([...ids][0] !== undefined);
  });

  test('network proxy: a direct connection to the canary, bypassing the proxy → fails, the canary sees nothing, no net.http record', async () => {
    const { kernel, logPath } = kernelWith(ceiling(true));
    const before = allowed.seen.length;
    const beforeDenied = denied.seen.length;
    const direct = await curl(kernel, ['--noproxy', '*', `http://127.0.0.1:${allowed.port}/direct`]);
    // The host's own non-loopback addresses (where the denied canary also listens): no route from the sandbox.
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a?.address as string);
    const viaHost = [];
    for (const address of hostAddresses)
      viaHost.push(await curl(kernel, ['--noproxy', '*', '--connect-timeout', '3', `http://${address}:${denied.port}/direct`]));
    await kernel.close();
    assert.notEqual(direct.exitCode, 0);
    assert.equal(direct.stdout, '');
    for (const r of viaHost) assert.deepEqual([r.exitCode !== 0, r.stdout], [true, '']);
    assert.equal(allowed.seen.length, before);
    assert.equal(denied.seen.length, beforeDenied);
    assert.deepEqual(
      records(logPath).filter((r) => r.action === 'net.http'),
      [],
    );
  });

  test('network proxy: without the grant → no proxy, no network at all, no net.http record', async () => {
    const { kernel, logPath } = kernelWith(ceiling(false));
    const before = allowed.seen.length;
    const env = await kernel.submit({ action: 'proc.exec', target: 'env', params: { cwd: '/workspace' } });
    const out = await curl(kernel, [`http://allowed.test:${allowed.port}/x`]);
    const direct = await curl(kernel, ['--noproxy', '*', `http://127.0.0.1:${allowed.port}/x`]);
    await kernel.close();
    assert.equal(env.status, 'DENIED'); // env is not granted at all: the policy decides
    assert.notEqual(out.exitCode, 0);
    assert.notEqual(direct.exitCode, 0);
    assert.equal(out.network, undefined);
    assert.equal(allowed.seen.length, before);
    const log = records(logPath);
    assert.deepEqual(
      log.filter((r) => r.action === 'net.http'),
      [],
    );
    assert.ok(log.every((r) => r.exec_id === undefined));
  });

  test('network proxy: a run policy granting network the worker does not → no network (a run cannot widen)', async () => {
    const runPolicy = 'version: 1\ncapabilities:\n  - { id: run-curl, action: proc.exec, resource: curl, constraint: { network: proxy } }\n';
    const { kernel, logPath } = kernelWith(ceiling(false), [runPolicy]);
    const before = allowed.seen.length;
    const out = await curl(kernel, [`http://allowed.test:${allowed.port}/widen`]);
    await kernel.close();
    assert.notEqual(out.exitCode, 0);
    assert.equal(out.network, undefined);
    assert.equal(allowed.seen.length, before);
    assert.deepEqual(
      records(logPath).filter((r) => r.action === 'net.http'),
      [],
    );
  });

  test('network proxy: a run policy without network under a worker that grants it → no network (a run may take it away)', async () => {
    const runPolicy = `version: 1\ncapabilities:\n  - { id: run-curl, action: proc.exec, resource: curl }\n  - { action: net.http, resource: "http://allowed.test:${allowed.port}/**" }\n`;
    const { kernel } = kernelWith(ceiling(true), [runPolicy]);
    const before = allowed.seen.length;
    const out = await curl(kernel, [`http://allowed.test:${allowed.port}/narrowed`]);
    await kernel.close();
    assert.notEqual(out.exitCode, 0);
    assert.equal(out.network, undefined);
    assert.equal(allowed.seen.length, before);
  });

  test("network proxy: a run policy denying a host the worker allows → 403 (each connection is judged by the run's layered policy)", async () => {
    const runPolicy = `version: 1\ncapabilities:\n  - { action: proc.exec, resource: curl, constraint: { network: proxy } }\n  - { action: net.http, resource: "http://allowed.test:${allowed.port}/**" }\ndeny:\n  - { id: run-no-canary, action: net.http, resource: "http://allowed.test:${allowed.port}/private/**" }\n`;
    const { kernel, logPath } = kernelWith(ceiling(true), [runPolicy]);
    const before = allowed.seen.length;
    const out = await curl(kernel, [
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} ',
      `http://allowed.test:${allowed.port}/private/x`,
      `http://allowed.test:${allowed.port}/public`,
    ]);
    await kernel.close();
    assert.equal(out.stdout, '403 200 ');
    assert.deepEqual(
      allowed.seen.slice(before).map((s) => s.url),
      ['/public'],
    );
    assert.deepEqual(
      records(logPath)
        .filter((r) => r.action === 'net.http')
        .map((r) => [r.status, r.rule_id]),
      [
        ['DENIED', 'run-no-canary'],
        ['OK', 'canary-http'],
      ],
    );
  });

  test('network proxy: a request naming another Host header → the upstream gets the judged host, never the one the program names', async () => {
    const { kernel } = kernelWith(ceiling(true));
    const before = allowed.seen.length;
    const out = await curl(kernel, ['-H', 'Host: denied.test', `http://allowed.test:${allowed.port}/vhost`]);
    await kernel.close();
    assert.equal(out.stdout, 'CANARY-ALLOWED-BODY', out.stderr);
    assert.deepEqual(
      allowed.seen.slice(before).map((s) => s.host),
      [`allowed.test:${allowed.port}`],
    );
  });

  test('network proxy: the program speaks to the proxy socket itself (no forwarder) → the same decision: 403 and a DENIED record', async () => {
    fs.writeFileSync(
      path.join(ws, 'raw.js'),
      `const s = require('node:net').connect('/run/agent-os-net/proxy.sock');
s.on('connect', () => s.write('CONNECT denied.test:${denied.port} HTTP/1.1\\r\\nHost: denied.test:${denied.port}\\r\\n\\r\\n'));
let text = '';
s.on('data', (d) => { text += d; });
s.on('close', () => process.stdout.write(text.split('\\r\\n')[0]));
s.on('error', (e) => process.stdout.write('error ' + e.code));`,
    );
    const policy = ceiling(true) + '  - { id: node, action: proc.exec, resource: node, constraint: { cwd: "/workspace/**", network: proxy } }\n';
    const { kernel, logPath } = kernelWith(policy);
    const before = denied.seen.length;
    const r = await kernel.submit({ action: 'proc.exec', target: 'node', params: { args: ['raw.js'], cwd: '/workspace' } });
    await kernel.close();
    assert.equal(r.status, 'OK', JSON.stringify(r));
    assert.equal((r.data as ProcessResult).stdout, 'HTTP/1.1 403 Forbidden');
    assert.equal(denied.seen.length, before);
    assert.deepEqual(
      records(logPath)
        .filter((x) => x.action === 'net.http')
        .map((x) => [x.status, x.canonical_target]),
      [['DENIED', `https://denied.test:${denied.port}/`]],
    );
  });

  test('network proxy: max_bytes on the deciding net.http rule → the program gets at most that many body bytes', async () => {
    const policy = ceiling(true).replace('id: canary-http, action: net.http,', 'id: canary-http, constraint: { max_bytes: 6 }, action: net.http,');
    assert.match(policy, /max_bytes: 6/);
    const { kernel } = kernelWith(policy);
    const out = await curl(kernel, [`http://allowed.test:${allowed.port}/capped`]);
    await kernel.close();
    assert.equal(out.stdout, 'CANARY');
  });

  test('network proxy: a program with a TERM handler at the timeout → the handler runs (and may still use the proxy) before the kill; nothing of the run is left', async () => {
    const policy = ceiling(true) + '  - { id: sh, action: proc.exec, resource: sh, constraint: { cwd: "/workspace/**", network: proxy } }\n';
    const { kernel, logPath } = kernelWith(policy);
    const before = allowed.seen.length;
    const script = `trap "curl -sS http://allowed.test:${allowed.port}/on-term; echo; echo cleaned up; exit 7" TERM; sleep 30 & wait`;
    const r = await kernel.submit({ action: 'proc.exec', target: 'sh', params: { args: ['-c', script], cwd: '/workspace', timeout_ms: 1000 } });
    await kernel.close();
    const out = r.data as ProcessResult;
    assert.equal(out.timedOut, true);
    assert.equal(out.stdout, 'CANARY-ALLOWED-BODY\ncleaned up\n');
    assert.equal(out.exitCode, 7);
    assert.deepEqual(
      allowed.seen.slice(before).map((s) => s.url),
      ['/on-term'],
    );
    assert.equal(records(logPath).filter((x) => x.action === 'net.http').length, 1);
    assert.deepEqual(
      fs.readdirSync(tmpdir()).filter((f) => f.startsWith('aok-net-')),
      [],
      'the proxy folder is removed when the run ends',
    );
  });

  test("network proxy: bubblewrap run as another host uid (hardening) and a 64 MiB memory limit → the program still reaches the allowed host (the forwarder runs outside the program's limits)", async () => {
    const { kernel } = kernelWith(ceiling(true), [], { hardening: { uid: 65534, gid: 65534 }, limits: { memoryBytes: 64 * 1024 * 1024 } });
    const out = await curl(kernel, [`http://allowed.test:${allowed.port}/hardened`]);
    await kernel.close();
    assert.equal(out.stdout, 'CANARY-ALLOWED-BODY', out.stderr);
  });
});
