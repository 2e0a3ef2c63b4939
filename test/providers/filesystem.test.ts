import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import type { ActionResult } from '../../src/kernel/types';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

const POLICY = `capabilities:
  - action: fs.read
    resource: /workspace/**
  - action: fs.list
    resource: /workspace/**
  - action: fs.write
    resource: /workspace/out/**
  - action: fs.read
    resource: /capped/**
    constraint:
      max_bytes: 4
  - action: fs.delete
    resource: /workspace/out/**
  - action: fs.delete
    resource: /workspace/trees/**
    constraint:
      recursive: true
`;

function setup(policy = POLICY, approve?: () => Promise<boolean>) {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(ws, 'data.csv'), 'a,b\n1,2\n');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET');
  const logPath = path.join(root, 'kernel.log');
  const kernel = new Kernel({
    policy: writePolicy(root, policy),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws, '/capped': ws } })],
    logPath,
    ...(approve ? { approve } : {}),
  });
  return { root, ws, outside, kernel, logPath };
}

/** No host path (the temp root) may appear anywhere in a result the agent sees. */
function assertNoHostPath(result: ActionResult, root: string): void {
  assert.ok(!JSON.stringify(result).includes(root), `host path leaked: ${JSON.stringify(result)}`);
}

describe('FilesystemProvider via Kernel', () => {
  test('fs.read: mounted /workspace path → OK, data is the utf8 contents, meta describes it', async () => {
    const { kernel, root } = setup();
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/data.csv' });
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.equal(r.data, 'a,b\n1,2\n');
    assert.deepEqual(r.meta, { encoding: 'utf8', bytes: 8, size: 8, truncated: false });
    assert.equal(r.target, '/workspace/data.csv');
    assertNoHostPath(r, root);
  });

  test('fs.read: encoding base64 and max_bytes param → base64 of the first bytes, truncated: true', async () => {
    const { kernel } = setup();
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/data.csv', params: { encoding: 'base64', max_bytes: 3 } });
    await kernel.close();
    assert.equal(r.data, Buffer.from('a,b').toString('base64'));
    assert.equal(r.meta?.['truncated'], true);
  });

  test('fs.read: rule max_bytes cap → content cut at the cap even when the request states none', async () => {
    const { kernel } = setup();
    const r = await kernel.submit({ action: 'fs.read', target: '/capped/data.csv' });
    await kernel.close();
    assert.deepEqual([r.status, r.data, r.meta?.['truncated']], ['OK', 'a,b\n', true]);
  });

  test('fs.read: /workspace/../outside path → judged as /outside/..., DENIED', async () => {
    const { kernel } = setup();
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/../outside/secret.txt' });
    await kernel.close();
    assert.equal(r.status, 'DENIED');
    assert.equal(r.target, '/outside/secret.txt');
  });

  test('fs.read: symlink inside the workspace pointing outside → DENIED Fs.Escape, no host path in the answer', async () => {
    const { kernel, ws, outside, root, logPath } = setup();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'link.txt'));
    fs.symlinkSync(outside, path.join(ws, 'linkdir'));
    const file = await kernel.submit({ action: 'fs.read', target: '/workspace/link.txt' });
    const dir = await kernel.submit({ action: 'fs.read', target: '/workspace/linkdir/secret.txt' });
    await kernel.close();
    for (const r of [file, dir]) {
      assert.equal(r.status, 'DENIED');
      assert.equal(r.code, 'Fs.Escape');
      assertNoHostPath(r, root);
    }
    assert.ok(!fs.readFileSync(logPath, 'utf8').includes(root), 'host path leaked into the audit log');
  });

  test('fs.read: symlink to another file inside the workspace → judged and read as its destination', async () => {
    const { kernel, ws } = setup();
    fs.symlinkSync('data.csv', path.join(ws, 'alias.csv'));
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/alias.csv' });
    await kernel.close();
    assert.deepEqual([r.status, r.target, r.data], ['OK', '/workspace/data.csv', 'a,b\n1,2\n']);
  });

  test('fs.read: file with two hard links → ERROR Fs.UnsafeFile', async () => {
    const { kernel, ws, outside } = setup();
    fs.linkSync(path.join(outside, 'secret.txt'), path.join(ws, 'hard.txt'));
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/hard.txt' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.ok(!String(r.error).includes('SECRET'));
  });

  test('fs.read: FIFO → ERROR Fs.UnsafeFile without blocking', async () => {
    const { kernel, ws } = setup();
    execFileSync('mkfifo', [path.join(ws, 'pipe')]);
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/pipe' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
  });

  test('fs.read: file swapped for a symlink after it was judged → ERROR Fs.UnsafeFile (checked at use time)', async () => {
    const policy = 'ask:\n  - action: fs.read\n    resource: /workspace/**\n';
    const ctx: { ws?: string; outside?: string } = {};
    const { kernel, ws, outside } = setup(policy, async () => {
      fs.rmSync(path.join(ctx.ws as string, 'data.csv'));
      fs.symlinkSync(path.join(ctx.outside as string, 'secret.txt'), path.join(ctx.ws as string, 'data.csv'));
      return true;
    });
    Object.assign(ctx, { ws, outside });
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/data.csv' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(r.data, undefined);
  });

  test('fs.read: parent folder swapped for a symlink after it was judged → ERROR Fs.UnsafeFile', async () => {
    const policy = 'ask:\n  - action: fs.read\n    resource: /workspace/**\n';
    const ctx: { ws?: string; outside?: string } = {};
    const { kernel, ws, outside } = setup(policy, async () => {
      fs.rmSync(path.join(ctx.ws as string, 'sub'), { recursive: true });
      fs.symlinkSync(ctx.outside as string, path.join(ctx.ws as string, 'sub'));
      return true;
    });
    Object.assign(ctx, { ws, outside });
    fs.mkdirSync(path.join(ws, 'sub'));
    fs.writeFileSync(path.join(ws, 'sub', 'secret.txt'), 'harmless');
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/sub/secret.txt' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
  });

  test('fs.read: relative or backslashed target → DENIED Policy.InvalidTarget, still one record each', async () => {
    const { kernel, logPath } = setup();
    const relative = await kernel.submit({ action: 'fs.read', target: 'data.csv' });
    const backslash = await kernel.submit({ action: 'fs.read', target: '/workspace\\data.csv' });
    await kernel.close();
    assert.deepEqual([relative.status, relative.code, backslash.code], ['DENIED', 'Policy.InvalidTarget', 'Policy.InvalidTarget']);
    assert.equal(readLog(logPath).length, 2);
  });

  test('fs.read: missing file → ERROR Fs.NotFound naming the agent path only', async () => {
    const { kernel, root } = setup();
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/nope.txt' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.NotFound']);
    assert.match(String(r.error), /\/workspace\/nope\.txt/);
    assertNoHostPath(r, root);
  });

  test('fs.write: new file in missing folders → created atomically with mode 0644, no temp files left', async () => {
    const { kernel, ws } = setup();
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/out/a/b/report.md', params: { content: '# hi' } });
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.deepEqual(r.data, { bytes: 4, created: true });
    const file = path.join(ws, 'out', 'a', 'b', 'report.md');
    assert.equal(fs.readFileSync(file, 'utf8'), '# hi');
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['report.md']);
  });

  test('fs.write: existing file → replaced, its mode kept; base64 content decoded', async () => {
    const { kernel, ws } = setup();
    const file = path.join(ws, 'out', 'run.sh');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o750);
    const r = await kernel.submit({
      action: 'fs.write',
      target: '/workspace/out/run.sh',
      params: { content: Buffer.from('new').toString('base64'), encoding: 'base64' },
    });
    await kernel.close();
    assert.deepEqual(r.data, { bytes: 3, created: false });
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.equal(fs.statSync(file).mode & 0o777, 0o750);
  });

  test('fs.write: parent folder swapped for a symlink after it was judged → ERROR Fs.UnsafeFile, nothing written outside', async () => {
    const policy = 'ask:\n  - action: fs.write\n    resource: /workspace/out/**\n';
    const ctx: { ws?: string; outside?: string } = {};
    const { kernel, ws, outside } = setup(policy, async () => {
      fs.rmSync(path.join(ctx.ws as string, 'out'), { recursive: true });
      fs.symlinkSync(ctx.outside as string, path.join(ctx.ws as string, 'out'));
      return true;
    });
    Object.assign(ctx, { ws, outside });
    fs.mkdirSync(path.join(ws, 'out'));
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/out/planted.txt', params: { content: 'x' } });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.deepEqual(fs.readdirSync(outside), ['secret.txt']);
  });

  test('fs.write: existing file with two hard links → ERROR Fs.UnsafeFile, both names unchanged', async () => {
    const { kernel, ws, outside } = setup();
    fs.mkdirSync(path.join(ws, 'out'));
    fs.linkSync(path.join(outside, 'secret.txt'), path.join(ws, 'out', 'hard.txt'));
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/out/hard.txt', params: { content: 'x' } });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'TOP SECRET');
  });

  test('fs.write: outside the writable folder → DENIED and nothing written', async () => {
    const { kernel, ws } = setup();
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/data.csv', params: { content: 'x' } });
    await kernel.close();
    assert.equal(r.status, 'DENIED');
    assert.equal(fs.readFileSync(path.join(ws, 'data.csv'), 'utf8'), 'a,b\n1,2\n');
  });

  test('fs.write: unknown param → ERROR Fs.InvalidParam, nothing written', async () => {
    const { kernel, ws } = setup();
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/out/x', params: { content: 'x', append: true } });
    await kernel.close();
    assert.equal(r.code, 'Fs.InvalidParam');
    assert.equal(fs.existsSync(path.join(ws, 'out', 'x')), false);
  });

  test('fs.delete: file → deleted; directory without a recursive rule → refused; with one → deleted', async () => {
    const { kernel, ws } = setup();
    fs.mkdirSync(path.join(ws, 'out', 'dir'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'out', 'f.txt'), 'x');
    fs.mkdirSync(path.join(ws, 'trees', 't1'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'trees', 't1', 'leaf'), 'x');
    const file = await kernel.submit({ action: 'fs.delete', target: '/workspace/out/f.txt' });
    const dirNoRule = await kernel.submit({ action: 'fs.delete', target: '/workspace/out/dir', params: { recursive: true } });
    const dirNoParam = await kernel.submit({ action: 'fs.delete', target: '/workspace/trees/t1' });
    const tree = await kernel.submit({ action: 'fs.delete', target: '/workspace/trees/t1', params: { recursive: true } });
    await kernel.close();
    assert.deepEqual(file.data, { deleted: 'file' });
    assert.equal(dirNoRule.status, 'DENIED');
    assert.equal(dirNoParam.code, 'Fs.RecursiveNotAllowed');
    assert.deepEqual(tree.data, { deleted: 'directory' });
    assert.equal(fs.existsSync(path.join(ws, 'out', 'dir')), true);
    assert.equal(fs.existsSync(path.join(ws, 'trees', 't1')), false);
  });

  test('fs.list: folder → sorted entries with types', async () => {
    const { kernel, ws } = setup();
    fs.mkdirSync(path.join(ws, 'sub'));
    fs.symlinkSync('data.csv', path.join(ws, 'alias'));
    const r = await kernel.submit({ action: 'fs.list', target: '/workspace' });
    await kernel.close();
    assert.deepEqual(r.data, [
      { name: 'alias', type: 'symlink' },
      { name: 'data.csv', type: 'file' },
      { name: 'sub', type: 'directory' },
    ]);
  });

  test('fs.list: a folder with more entries than maxListEntries → ERROR Fs.TooLarge, recorded, nothing listed; at the cap → listed', async () => {
    const root = tempDir();
    const ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, 'big'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'full'));
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(ws, 'big', `f${i}`), '');
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(ws, 'full', `f${i}`), '');
    const logPath = path.join(root, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(root, POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, maxListEntries: 3 })],
      logPath,
    });
    const big = await kernel.submit({ action: 'fs.list', target: '/workspace/big' });
    const full = await kernel.submit({ action: 'fs.list', target: '/workspace/full' });
    await kernel.close();
    assert.equal(big.status, 'ERROR');
    assert.equal(big.code, 'Fs.TooLarge');
    assert.match(big.error ?? '', /\/workspace\/big holds more than 3 entries.*maxListEntries/);
    assert.equal(big.data, undefined);
    assertNoHostPath(big, root);
    assert.equal(full.status, 'OK');
    assert.equal((full.data as unknown[]).length, 3);
    assert.deepEqual(
      readLog(logPath).map((r) => [r['status'], r['code']]),
      [
        ['ERROR', 'Fs.TooLarge'],
        ['OK', undefined],
      ],
    );
  });

  test('FilesystemProvider: maxListEntries that is not a whole number of at least 1 → Fs.InvalidParam naming it', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, '10'])
      assert.throws(() => new FilesystemProvider({ maxListEntries: bad as number }), { code: 'Fs.InvalidParam', message: /maxListEntries/ });
  });

  test('FilesystemProvider: each submit → one audit record with canonical target and no contents', async () => {
    const { kernel, logPath } = setup();
    await kernel.submit({ action: 'fs.read', target: '/workspace/./data.csv' });
    await kernel.submit({ action: 'fs.write', target: '/workspace/out/s.txt', params: { content: 'password=hunter2' } });
    await kernel.close();
    const records = readLog(logPath);
    assert.equal(records.length, 2);
    assert.equal(records[0]?.['canonical_target'], '/workspace/data.csv');
    const text = fs.readFileSync(logPath, 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('1,2'));
  });

  test('FilesystemProvider: without mounts → real absolute paths are used', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'f.txt'), 'plain');
    const kernel = new Kernel({
      policy: writePolicy(root, `capabilities:\n  - action: fs.read\n    resource: ${root}/**\n`),
      providers: [new FilesystemProvider()],
    });
    const r = await kernel.submit({ action: 'fs.read', target: `${root}/f.txt` });
    await kernel.close();
    assert.equal(r.data, 'plain');
  });

  test('new FilesystemProvider: relative mount point or missing host folder → throws Fs.InvalidMount', () => {
    assert.throws(() => new FilesystemProvider({ mounts: { workspace: tempDir() } }), { code: 'Fs.InvalidMount' });
    assert.throws(() => new FilesystemProvider({ mounts: { '/workspace': '/nonexistent/agent-os' } }), { code: 'Fs.InvalidMount' });
  });
});
