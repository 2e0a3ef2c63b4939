import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../kernel/kernel-helpers';
import { repoRoot } from '../../helpers/paths';
import { EVERYTHING_SERVER, FILESYSTEM_SERVER, firstText, mcpKernel } from './mcp-fixture';

/**
 * The reference filesystem server in the real process sandbox (the default launcher): the
 * workspace mounted read-only at /workspace, its output/ writable, nothing else of the host
 * but the server's own files (node_modules, read-only) and the system view.
 */
describe('McpProvider with @modelcontextprotocol/server-filesystem in the sandbox: read the workspace, write only output/', () => {
  const ws = tempDir('agent-os-mcp-ws-');
  const out = path.join(ws, 'output');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(ws, 'data.csv'), 'name,score\nada,3\n');
  fs.writeFileSync(path.join(out, 'old.md'), 'old\n');
  const policy = `
capabilities:
  - id: read-workspace
    action: mcp.call
    resource: 'fs/{read_text_file,list_directory}'
    constraint:
      params:
        path: /workspace/**
  - id: write-output
    action: mcp.call
    resource: fs/write_file
    constraint:
      params:
        path: /workspace/output/**
        content: { max_length: 10000 }
`;
  const k = mcpKernel(policy, {
    servers: {
      fs: {
        command: ['node', FILESYSTEM_SERVER, '/workspace'],
        mounts: [
          { agent: '/workspace', host: ws, readOnly: true },
          { agent: '/workspace/output', host: out },
        ],
      },
    },
  });
  after(() => k.close());
  const call = (tool: string, args: Record<string, unknown>) => k.kernel.submit({ action: 'mcp.call', target: `fs/${tool}`, params: { arguments: args } });
  const data = path.join(ws, 'data.csv');

  test('server-filesystem (sandboxed): read_text_file anywhere in the workspace → OK with the file contents', async () => {
    const r = await call('read_text_file', { path: '/workspace/data.csv' });
    assert.equal(r.status, 'OK', r.error);
    assert.equal(firstText(r.data), 'name,score\nada,3\n');
  });

  test('server-filesystem (sandboxed): write_file in output/ → OK and the file is on disk', async () => {
    const r = await call('write_file', { path: '/workspace/output/report.md', content: '# Report\n' });
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), '# Report\n');
  });

  test('server-filesystem (sandboxed): write_file outside output/ (directly, or through ..) → DENIED and the file on disk unchanged', async () => {
    for (const target of ['/workspace/data.csv', '/workspace/output/../data.csv', 'data.csv']) {
      const r = await call('write_file', { path: target, content: 'hacked' });
      assert.deepEqual([r.status, r.error], ['DENIED', 'not permitted'], target);
    }
    assert.equal(fs.readFileSync(data, 'utf8'), 'name,score\nada,3\n');
  });

  test('server-filesystem (sandboxed): symlink attack output/link.csv → ../data.csv written through the server → the policy allows the name, the read-only workspace mount stops the write, data.csv intact', async () => {
    fs.symlinkSync('../data.csv', path.join(out, 'link.csv'));
    const r = await call('write_file', { path: '/workspace/output/link.csv', content: 'hacked' });
    assert.equal(r.status, 'OK', r.error);
    assert.equal((r.data as { isError: boolean }).isError, true, 'the server reports the failed write as a tool error');
    assert.equal(fs.readFileSync(data, 'utf8'), 'name,score\nada,3\n');
    assert.equal(fs.lstatSync(path.join(out, 'link.csv')).isSymbolicLink(), true, 'the link was not replaced either');
  });

  test('server-filesystem (sandboxed): a tool the policy never grants (move_file) → DENIED; one audit record per call', async () => {
    const before = k.records().length;
    const r = await call('move_file', { source: '/workspace/data.csv', destination: '/workspace/output/moved.csv' });
    assert.equal(r.status, 'DENIED');
    assert.ok(fs.existsSync(data));
    assert.equal(k.records().length, before + 1);
  });
});

describe('McpProvider: a sandboxed server sees nothing of the host outside its mounts and its own files', () => {
  const ws = tempDir('agent-os-mcp-ws-');
  fs.writeFileSync(path.join(ws, 'visible.txt'), 'inside\n');
  const outside = tempDir('agent-os-mcp-canary-');
  const canary = path.join(outside, 'canary.txt');
  fs.writeFileSync(canary, 'host secret\n');
  // The server may read anything it can see (allowed directory "/"); the policy allows every path.
  const k = mcpKernel("capabilities:\n  - action: mcp.call\n    resource: 'host/*'\n", {
    servers: { host: { command: ['node', FILESYSTEM_SERVER, '/'], mounts: [{ agent: '/workspace', host: ws, readOnly: true }] } },
  });
  after(() => k.close());
  const read = (p: string) => k.kernel.submit({ action: 'mcp.call', target: 'host/read_text_file', params: { arguments: { path: p } } });

  test('server-filesystem (sandboxed, allowed "/"): a mounted file → OK; a canary file in a temp folder outside, /etc/shadow, the worker\'s own repository → tool errors, the contents never returned', async () => {
    const ok = await read('/workspace/visible.txt');
    assert.equal(ok.status, 'OK', ok.error);
    assert.equal(firstText(ok.data), 'inside\n');
    for (const p of [canary, '/etc/shadow', path.join(repoRoot, 'package.json')]) {
      const r = await read(p);
      assert.equal(r.status, 'OK', `${p}: ${String(r.error)}`);
      assert.equal((r.data as { isError: boolean }).isError, true, `${p} must not be readable: ${firstText(r.data)}`);
      assert.ok(!JSON.stringify(r.data).includes('host secret'), p);
    }
    assert.equal(fs.readFileSync(canary, 'utf8'), 'host secret\n', 'the canary is on the host all along');
  });
});

describe('McpProvider with @modelcontextprotocol/server-everything', () => {
  const k = mcpKernel("capabilities:\n  - action: mcp.call\n    resource: 'everything/*'\n", {
    servers: { everything: { command: ['node', EVERYTHING_SERVER, 'stdio'] } },
  });
  after(() => k.close());

  test('server-everything: echo and get-sum → OK with their results', async () => {
    const echo = await k.kernel.submit({ action: 'mcp.call', target: 'everything/echo', params: { arguments: { message: 'hi' } } });
    assert.equal(echo.status, 'OK', echo.error);
    assert.match(firstText(echo.data), /hi/);
    const sum = await k.kernel.submit({ action: 'mcp.call', target: 'everything/get-sum', params: { arguments: { a: 2, b: 40 } } });
    assert.match(firstText(sum.data), /42/);
  });

  test('server-everything: get-tiny-image → the image is not passed on, only its type and size', async () => {
    const r = await k.kernel.submit({ action: 'mcp.call', target: 'everything/get-tiny-image', params: { arguments: {} } });
    assert.equal(r.status, 'OK', r.error);
    const image = (r.data as { content: Record<string, unknown>[] }).content.find((c) => c['type'] === 'image');
    assert.equal(image?.['omitted'], 'binary');
    assert.ok(Number(image?.['bytes']) > 0);
    assert.ok(!JSON.stringify(r.data).includes('iVBOR'), 'no base64 PNG data');
  });

  test('server-everything: arguments that violate the tool schema → ERROR Mcp.InvalidArguments', async () => {
    const r = await k.kernel.submit({ action: 'mcp.call', target: 'everything/get-sum', params: { arguments: { a: 'x' } } });
    assert.equal(r.code, 'Mcp.InvalidArguments');
  });
});
