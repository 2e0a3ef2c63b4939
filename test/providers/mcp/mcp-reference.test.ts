import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LaunchSpec } from '../../../src/providers/mcp/index';
import { tempDir } from '../../kernel/kernel-helpers';
import { EVERYTHING_SERVER, FILESYSTEM_SERVER, firstText, mcpKernel } from './mcp-fixture';

/**
 * A stand-in for the process sandbox at the launch seam: bubblewrap with the whole host
 * read-only, `output/` writable, no network. (The sandbox module replaces this launcher.)
 */
function bwrapLauncher(writable: string) {
  return (spec: LaunchSpec): LaunchSpec => ({
    ...spec,
    command: '/usr/bin/bwrap',
    args: ['--ro-bind', '/', '/', '--bind', writable, writable, '--dev', '/dev', '--proc', '/proc', '--unshare-all', '--die-with-parent', '--', spec.command, ...spec.args],
  });
}

describe('McpProvider with @modelcontextprotocol/server-filesystem: read the workspace, write only output/', () => {
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
        path: ${ws}/**
  - id: write-output
    action: mcp.call
    resource: fs/write_file
    constraint:
      params:
        path: ${ws}/output/**
        content: { max_length: 10000 }
`;
  const k = mcpKernel(policy, {
    servers: { fs: { command: ['node', FILESYSTEM_SERVER, ws] } },
    launch: bwrapLauncher(out),
  });
  after(() => k.close());
  const call = (tool: string, args: Record<string, unknown>) => k.kernel.submit({ action: 'mcp.call', target: `fs/${tool}`, params: { arguments: args } });

  test('server-filesystem: read_text_file in the workspace → OK with the file contents', async () => {
    const r = await call('read_text_file', { path: path.join(ws, 'data.csv') });
    assert.equal(r.status, 'OK', r.error);
    assert.equal(firstText(r.data), 'name,score\nada,3\n');
  });

  test('server-filesystem: write_file in output/ → OK and the file is on disk', async () => {
    const r = await call('write_file', { path: path.join(out, 'report.md'), content: '# Report\n' });
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.readFileSync(path.join(out, 'report.md'), 'utf8'), '# Report\n');
  });

  test('server-filesystem: write_file outside output/ (directly, or through ..) → DENIED and the file on disk unchanged', async () => {
    for (const target of [path.join(ws, 'data.csv'), `${out}/../data.csv`, 'data.csv']) {
      const r = await call('write_file', { path: target, content: 'hacked' });
      assert.deepEqual([r.status, r.error], ['DENIED', 'not permitted'], target);
    }
    assert.equal(fs.readFileSync(path.join(ws, 'data.csv'), 'utf8'), 'name,score\nada,3\n');
  });

  test('server-filesystem: a symlink in output/ pointing at the workspace → the policy allows the name, the read-only mount stops the write', async () => {
    fs.symlinkSync(path.join(ws, 'data.csv'), path.join(out, 'link.csv'));
    const r = await call('write_file', { path: path.join(out, 'link.csv'), content: 'hacked' });
    assert.equal(r.status, 'OK', r.error);
    assert.equal((r.data as { isError: boolean }).isError, true, 'the server reports the failed write as a tool error');
    assert.equal(fs.readFileSync(path.join(ws, 'data.csv'), 'utf8'), 'name,score\nada,3\n');
  });

  test('server-filesystem: a tool the policy never grants (move_file) → DENIED; one audit record per call', async () => {
    const before = k.records().length;
    const r = await call('move_file', { source: path.join(ws, 'data.csv'), destination: path.join(out, 'moved.csv') });
    assert.equal(r.status, 'DENIED');
    assert.ok(fs.existsSync(path.join(ws, 'data.csv')));
    assert.equal(k.records().length, before + 1);
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
