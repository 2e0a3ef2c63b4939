import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchSpec } from '../../../src/providers/mcp/launch';
import { loadServersFile } from '../../../src/providers/mcp/servers-file';
import { repoRoot } from '../../helpers/paths';
import { tempDir } from '../../kernel/kernel-helpers';
import { EXAMPLE_SERVER, FILESYSTEM_SERVER, firstText, mcpKernel } from './mcp-fixture';

const POLICY = "capabilities:\n  - action: mcp.call\n    resource: 'my_server/*'\n";

/** Collects process warnings emitted while `run` runs. */
async function warningsDuring(run: () => Promise<void>): Promise<{ code: string | undefined; message: string }[]> {
  const seen: { code: string | undefined; message: string }[] = [];
  const listener = (w: Error & { code?: string }): void => {
    seen.push({ code: w.code, message: w.message });
  };
  process.on('warning', listener);
  try {
    await run();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.removeListener('warning', listener);
  }
  return seen;
}

test('mcp sandbox: bubblewrap missing → ERROR Mcp.SandboxUnavailable naming the fix, one audit record, no server started', async () => {
  let launched = 0;
  const warnings = await warningsDuring(async () => {
    const k = mcpKernel(POLICY, {
      servers: { my_server: { command: ['node', EXAMPLE_SERVER] } },
      bwrapPath: '/nonexistent/bwrap',
      launch: (spec) => {
        launched++;
        return spec;
      },
    });
    try {
      const r = await k.kernel.submit({ action: 'mcp.call', target: 'my_server/echo', params: { arguments: { text: 'x' } } });
      assert.deepEqual([r.status, r.code], ['ERROR', 'Mcp.SandboxUnavailable']);
      assert.match(String(r.error), /install bubblewrap .* or set sandbox: off for this server explicitly/);
      assert.deepEqual(
        k.records().map((x) => [x['canonical_target'], x['code']]),
        [['my_server/echo', 'Mcp.SandboxUnavailable']],
      );
      assert.equal(launched, 1, 'the spec was built, but nothing ran');
    } finally {
      await k.close();
    }
  });
  assert.ok(
    warnings.some((w) => w.code === 'AOK_SANDBOX' && /will not be started/.test(w.message)),
    JSON.stringify(warnings),
  );
});

test('mcp sandbox: sandbox: off set explicitly → the server runs unconfined (it sees the host) and a loud AOK_SANDBOX warning names it', async () => {
  const canaryDir = tempDir('agent-os-mcp-off-');
  fs.writeFileSync(path.join(canaryDir, 'c.txt'), 'host file\n');
  const warnings = await warningsDuring(async () => {
    const k = mcpKernel("capabilities:\n  - action: mcp.call\n    resource: 'loose/*'\n", {
      servers: { loose: { command: ['node', FILESYSTEM_SERVER, canaryDir], sandbox: 'off' } },
      bwrapPath: '/nonexistent/bwrap',
    });
    try {
      const r = await k.kernel.submit({ action: 'mcp.call', target: 'loose/read_text_file', params: { arguments: { path: path.join(canaryDir, 'c.txt') } } });
      assert.equal(r.status, 'OK', r.error);
      assert.equal(firstText(r.data), 'host file\n');
    } finally {
      await k.close();
    }
  });
  assert.ok(
    warnings.some((w) => w.code === 'AOK_SANDBOX' && /"loose" runs WITHOUT the OS sandbox/.test(w.message)),
    JSON.stringify(warnings),
  );
});

test('launchSpec: a sandboxed node script → its package (the topmost node_modules) read-only at its host path, mounts first, cwd the first mount, a relative script made absolute', () => {
  const ws = tempDir('agent-os-mcp-spec-');
  const relative = path.relative(process.cwd(), FILESYSTEM_SERVER);
  const spec = launchSpec('fs', { command: ['node', relative, '/workspace'], mounts: [{ agent: '/workspace', host: ws, readOnly: true }] }, {});
  assert.equal(spec.command, process.execPath);
  assert.deepEqual(spec.args, [fs.realpathSync(FILESYSTEM_SERVER), '/workspace']);
  assert.equal(spec.cwd, '/workspace');
  assert.deepEqual(spec.env, {});
  assert.deepEqual(spec.sandbox?.mounts, [
    { agent: '/workspace', host: fs.realpathSync(ws), readOnly: true },
    { agent: path.join(repoRoot, 'node_modules'), host: path.join(repoRoot, 'node_modules'), readOnly: true },
  ]);
});

test("launchSpec: a sandboxed server with no mounts and no script file → Mcp.InvalidConfig saying what to add; sandbox: off → the worker's folder, no sandbox", () => {
  assert.throws(() => launchSpec('x', { command: ['node', '-e', '1'] }, {}), { code: 'Mcp.InvalidConfig', message: /give it "mounts"/ });
  const off = launchSpec('x', { command: ['node', '-e', '1'], sandbox: 'off' }, {});
  assert.equal(off.sandbox, undefined);
  assert.equal(off.cwd, process.cwd());
});

test('servers file: mounts (host relative to the file), read_only_paths, limits, network and sandbox → the provider config; an unknown mount key → Mcp.InvalidServersFile naming it', () => {
  const dir = tempDir('agent-os-mcp-file-');
  const file = path.join(dir, 'servers.yaml');
  fs.writeFileSync(
    file,
    [
      'servers:',
      '  fs:',
      '    command: [node, server.js, /workspace]',
      '    mounts:',
      '      - { agent: /workspace, host: ws, read_only: true }',
      '      - { agent: /workspace/output, host: ws/output }',
      '    read_only_paths: [opt/server]',
      '    limits: { memory_bytes: 1000000000, tmp_bytes: 1048576 }',
      '    network: proxy',
      '    cwd: /workspace',
      '  trusted:',
      '    command: [node, t.js]',
      '    sandbox: "off"',
      '    cwd: here',
    ].join('\n'),
  );
  const { servers } = loadServersFile(file);
  assert.deepEqual(servers['fs'], {
    command: ['node', 'server.js', '/workspace'],
    cwd: '/workspace',
    mounts: [
      { agent: '/workspace', host: path.join(dir, 'ws'), readOnly: true },
      { agent: '/workspace/output', host: path.join(dir, 'ws', 'output') },
    ],
    readOnlyPaths: [path.join(dir, 'opt', 'server')],
    limits: { memoryBytes: 1000000000, tmpBytes: 1048576 },
    network: 'proxy',
  });
  assert.deepEqual(servers['trusted'], { command: ['node', 't.js'], cwd: path.join(dir, 'here'), sandbox: 'off' });
  fs.writeFileSync(file, 'servers:\n  fs:\n    command: [node, s.js]\n    mounts: [{ agent: /workspace, host: ws, writable: true }]\n    sandbox: maybe\n');
  assert.throws(
    () => loadServersFile(file),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'Mcp.InvalidServersFile');
      assert.match(err.message, /\/servers\/fs\/mounts\/0 must NOT have additional properties \(writable\)/);
      return true;
    },
  );
});

test('mcp sandbox: a server that connects to a canary HTTP server on the host loopback → no connection arrives (no network in the sandbox)', async () => {
  const http = await import('node:http');
  let connections = 0;
  const canary = http.createServer((_req, res) => res.end('reached'));
  canary.on('connection', () => connections++);
  await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
  const port = (canary.address() as { port: number }).port;
  const dir = tempDir('agent-os-mcp-net-');
  // Not an MCP server: it tries the canary, writes what happened, and never answers the handshake.
  const script = [
    "const fs = require('fs');",
    `require('http').get('http://127.0.0.1:${port}/', (r) => fs.writeFileSync('/out/result', 'reached ' + r.statusCode))`,
    ".on('error', (e) => fs.writeFileSync('/out/result', 'error ' + e.code));",
    'setInterval(() => {}, 1e9);',
  ].join(' ');
  const k = mcpKernel("capabilities:\n  - action: mcp.call\n    resource: 'net/*'\n", {
    servers: { net: { command: ['node', '-e', script], mounts: [{ agent: '/out', host: dir }] } },
    startupTimeoutMs: 3_000, // time enough for the attempt on a busy machine
    shutdownTimeoutMs: 200,
  });
  try {
    const r = await k.kernel.submit({ action: 'mcp.call', target: 'net/x', params: {} });
    assert.equal(r.code, 'Mcp.StartupTimeout');
    assert.match(fs.readFileSync(path.join(dir, 'result'), 'utf8'), /^error E/);
    assert.equal(connections, 0);
  } finally {
    await k.close();
    canary.close();
  }
});
