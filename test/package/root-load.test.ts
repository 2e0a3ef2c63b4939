/**
 * What importing the package root loads, in a fresh process (through require.cache and
 * process.moduleLoadList): no parser or schema library, no process spawner, egress proxy or
 * MCP session, and none of node:child_process, node:http, node:net or node:dns until they are
 * used. Each loads on first use and still does its job then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

const SRC = path.join(repoRoot, 'dist', 'src');
const ROOT = path.join(SRC, 'index.js');
const EXAMPLE_SERVER = path.join(repoRoot, 'dist', 'examples', 'mcp-server.js');

/** Our modules the root must not load: each loads on the first use of what needs it. */
const LAZY_MODULES = [
  'providers/spawner/client.js', // the first program run
  'providers/process-tree.js',
  'providers/egress-proxy.js', // the first run granted `network: proxy`
  'providers/mcp/session.js', // the first McpProvider built
  'providers/mcp/stdio-transport.js',
  'client/agent-loop-mcp.js', // the first local AgentLoop built
  'activities/run-policy.js',
];
/** Node built-ins the root must not load. */
const LAZY_BUILTINS = ['child_process', 'http', 'net', 'dns'];

/** Runs `body` in a fresh Node after `const root = require(<package root>)`; returns its JSON output. */
function fresh<T>(body: string): T {
  const script = `
    const root = require(${JSON.stringify(ROOT)});
    const loaded = () => [...new Set(Object.keys(require.cache).flatMap((f) => {
      const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/.exec(f);
      return m ? [m[1]] : [];
    }))].sort();
    const ours = () => Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(SRC + path.sep)})).map((f) => f.slice(${SRC.length + 1}).split(path.sep).join('/'));
    // Read before anything touches process.stdout (a pipe's stream loads node:net).
    const builtins = () => process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    const path = require('node:path');
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as T;
}

test('package root: required in a fresh process → no yaml, ajv, Temporal, undici or MCP SDK module is loaded', () => {
  const packages = fresh<string[]>('process.stdout.write(JSON.stringify(loaded()));');
  const heavy = packages.filter((p) => /^(yaml|ajv|@temporalio\/.*|undici|@modelcontextprotocol\/.*|zod)$/.test(p));
  assert.deepEqual(heavy, [], `the root loaded ${heavy.join(', ')}`);
});

test('package root: required in a fresh process → no spawner client, egress proxy, MCP session or agent-loop MCP module; no node:child_process, http, net or dns', () => {
  const got = fresh<{ ours: string[]; builtins: string[] }>('const got = { ours: ours(), builtins: builtins() }; process.stdout.write(JSON.stringify(got));');
  assert.ok(got.ours.includes('index.js') && got.ours.includes('providers/process.js'), 'the probe sees our modules');
  assert.deepEqual(
    LAZY_MODULES.filter((m) => got.ours.includes(m)),
    [],
  );
  assert.deepEqual(
    LAZY_BUILTINS.filter((m) => got.builtins.includes(m)),
    [],
  );
});

test('package root: a program run through the kernel → the spawner client and node:child_process load then and it runs; a `network: proxy` run → the egress proxy and node:http load then and it proxies; a net.http to a loopback name → node:net and node:dns load then and the address is refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-root-load-'));
  try {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const policy = [
      'capabilities:',
      '  - { action: proc.exec, resource: echo, constraint: { cwd: "/workspace/**" } }',
      '  - { action: proc.exec, resource: "true", constraint: { cwd: "/workspace/**", network: proxy } }',
      '  - { action: net.http, resource: "http://localhost:9/**" }',
      '',
    ].join('\n');
    type Got = {
      built: string[];
      afterEcho: { ours: string[]; builtins: string[]; status: string; stdout: string };
      afterProxy: { ours: string[]; builtins: string[]; status: string; network: unknown };
      afterHttp: { builtins: string[]; status: string; code: string | undefined };
    };
    const got = fresh<Got>(`
      (async () => {
        const kernel = new root.Kernel({ policy: root.loadPolicyText(${JSON.stringify(policy)}, 'p.yaml'), providers: [new root.ProcessProvider({ mounts: { '/workspace': ${JSON.stringify(ws)} } }), new root.HttpProvider()], logPath: ${JSON.stringify(path.join(dir, 'audit.log'))} });
        const built = ours();
        const echo = await kernel.submit({ action: 'proc.exec', target: 'echo', params: { args: ['hi'], cwd: '/workspace' } });
        const afterEcho = { ours: ours(), builtins: builtins(), status: echo.status, stdout: echo.data?.stdout };
        const proxied = await kernel.submit({ action: 'proc.exec', target: 'true', params: { cwd: '/workspace' } });
        const afterProxy = { ours: ours(), builtins: builtins(), status: proxied.status, network: proxied.data?.network };
        const web = await kernel.submit({ action: 'net.http', target: 'http://localhost:9/x' });
        const afterHttp = { builtins: builtins(), status: web.status, code: web.code };
        await kernel.close();
        process.stdout.write(JSON.stringify({ built, afterEcho, afterProxy, afterHttp }));
      })();`);
    assert.ok(!got.built.includes('providers/spawner/client.js'), 'building a ProcessProvider does not load the spawner client');
    assert.equal(got.afterEcho.status, 'OK', JSON.stringify(got.afterEcho));
    assert.equal(got.afterEcho.stdout, 'hi\n');
    assert.ok(got.afterEcho.ours.includes('providers/spawner/client.js'), 'the first run loaded the spawner client');
    assert.ok(got.afterEcho.builtins.includes('child_process'));
    assert.ok(!got.afterEcho.ours.includes('providers/egress-proxy.js'), 'a run without network loads no egress proxy');
    assert.ok(!got.afterEcho.builtins.includes('http'));
    assert.equal(got.afterProxy.status, 'OK', JSON.stringify(got.afterProxy));
    assert.deepEqual(got.afterProxy.network, { mode: 'proxy', allowed: 0, refused: 0 });
    assert.ok(got.afterProxy.ours.includes('providers/egress-proxy.js'), 'the proxied run loaded the egress proxy');
    assert.ok(got.afterProxy.builtins.includes('http'));
    assert.equal(got.afterHttp.status, 'ERROR', JSON.stringify(got.afterHttp));
    assert.equal(got.afterHttp.code, 'Provider.AddressRefused');
    assert.ok(got.afterHttp.builtins.includes('net') && got.afterHttp.builtins.includes('dns'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('package root: an McpProvider built and its server listed, an AgentLoop built on its kernel → the MCP session and the MCP tools of the loop load then; the server lists its tools', () => {
  const got = fresh<{ before: boolean; built: boolean; tools: string[]; loop: boolean; sameClass: boolean }>(`
    (async () => {
      const before = ours().includes('providers/mcp/session.js');
      const mcp = new root.McpProvider({ servers: { demo: { command: ['node', ${JSON.stringify(EXAMPLE_SERVER)}] } } });
      const built = ours().includes('providers/mcp/session.js');
      const listed = await mcp.listTools('demo');
      const kernel = new root.Kernel({ policy: root.loadPolicyText('capabilities: []', 'p.yaml'), providers: [mcp] });
      new root.AgentLoop({ kernel, tools: [] });
      const loop = ours().includes('client/agent-loop-mcp.js');
      await kernel.close();
      // An error thrown by a lazily loaded module is the root's class (one copy of each module).
      process.removeAllListeners('warning');
      const confined = new root.McpProvider({ servers: { demo: { command: ['node', ${JSON.stringify(EXAMPLE_SERVER)}] } }, bwrapPath: '/nonexistent/bwrap' });
      const refused = await confined.listTools('demo').then(() => undefined, (err) => err);
      const sameClass = refused instanceof root.McpSandboxUnavailableError && refused instanceof root.AgentOsError;
      process.stdout.write(JSON.stringify({ before, built, tools: listed.tools.map((t) => t.name).sort(), loop, sameClass }));
    })();`);
  assert.equal(got.before, false);
  assert.equal(got.built, true);
  assert.ok(got.tools.length > 0, 'the server listed its tools');
  assert.equal(got.loop, true);
  assert.equal(got.sameClass, true, 'the session refused with the McpSandboxUnavailableError the root exports');
});

test('package root: a Kernel built from a policy file → yaml loads then, the policy decides (allowed write lands, denied write does not)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-root-load-'));
  try {
    const work = path.join(dir, 'work');
    fs.mkdirSync(path.join(work, 'ok'), { recursive: true });
    const policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, `capabilities:\n  - action: fs.write\n    resource: ${work}/ok/**\n`);
    const got = fresh<{ before: string[]; after: string[]; statuses: string[] }>(`
      (async () => {
        const before = loaded();
        const kernel = new root.Kernel({ policy: ${JSON.stringify(policy)}, providers: [new root.FilesystemProvider()], logPath: ${JSON.stringify(path.join(dir, 'audit.log'))} });
        const ok = await kernel.submit({ action: 'fs.write', target: ${JSON.stringify(`${work}/ok/a.txt`)}, params: { content: 'yes' } });
        const no = await kernel.submit({ action: 'fs.write', target: ${JSON.stringify(`${work}/no.txt`)}, params: { content: 'no' } });
        await kernel.close();
        process.stdout.write(JSON.stringify({ before, after: loaded(), statuses: [ok.status, no.status] }));
      })();`);
    assert.ok(!got.before.includes('yaml'), 'yaml is not loaded before the first policy');
    assert.ok(got.after.includes('yaml'), 'parsing the policy loaded yaml');
    assert.deepEqual(got.statuses, ['OK', 'DENIED']);
    assert.equal(fs.readFileSync(path.join(work, 'ok', 'a.txt'), 'utf8'), 'yes');
    assert.equal(fs.existsSync(path.join(work, 'no.txt')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('package root: a tools file with an invalid `parameters` schema → ajv loads then and the problem is reported', () => {
  const got = fresh<{ before: boolean; message: string; after: boolean }>(`
    const before = loaded().includes('ajv');
    let message = '';
    const text = 'version: 1\\ntools:\\n  - name: t\\n    description: d\\n    action: fs.read\\n    target_from: path\\n    parameters: { type: nope }\\n';
    try { root.loadToolsText(text, 'tools.yaml'); } catch (err) { message = err.message; }
    process.stdout.write(JSON.stringify({ before, message, after: loaded().includes('ajv') }));`);
  assert.equal(got.before, false);
  assert.match(got.message, /tools\.yaml:7:\d+: .*`parameters` is not a valid JSON Schema/);
  assert.equal(got.after, true);
});
