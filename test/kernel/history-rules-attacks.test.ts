import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { SpyProvider, tempDir, writePolicy } from './kernel-helpers';

const POLICY = `
version: 1
capabilities:
  - id: write-own
    action: fs.write
    resource: /workspace/**
    created_by_run: true
  - id: delete-own
    action: fs.delete
    resource: /workspace/**
    created_by_run: true
  - id: clear-scratch
    action: fs.delete
    resource: /workspace/scratch
    constraint: { recursive: true }
`;

describe('kernel: history-aware rules under attack (real files)', () => {
  test('created_by_run: a file the run wrote, removed with its folder by a recursive delete, then put there again by someone else → the run may neither delete nor overwrite it', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const kernel = new Kernel({
      policy: writePolicy(dir, POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(dir, 'kernel.log'),
    });
    const wrote = await kernel.submit({ action: 'fs.write', target: '/workspace/scratch/a.txt', params: { content: 'mine' } });
    const cleared = await kernel.submit({ action: 'fs.delete', target: '/workspace/scratch', params: { recursive: true } });
    // Someone else (a person, another run) now keeps a file of their own at the same path.
    fs.mkdirSync(path.join(ws, 'scratch'));
    fs.writeFileSync(path.join(ws, 'scratch', 'a.txt'), 'theirs\n');
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/scratch/a.txt', params: { content: 'pwned' } });
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/scratch/a.txt' });
    await kernel.close();
    assert.equal(wrote.status, 'OK');
    assert.equal(cleared.status, 'OK', JSON.stringify(cleared));
    assert.equal(fs.existsSync(path.join(ws, 'scratch', 'a.txt')), true, 'their file was deleted by a run that did not create it');
    assert.equal(fs.readFileSync(path.join(ws, 'scratch', 'a.txt'), 'utf8'), 'theirs\n', 'their file was overwritten');
    assert.equal(overwrite.status, 'ERROR');
    assert.equal(overwrite.code, 'Fs.Exists');
    assert.equal(del.status, 'DENIED');
  });
  test('created_by_run: a file the run wrote, swapped by someone else for a symlink to their file → delete and overwrite of it are refused; their file is untouched', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'precious.txt'), 'theirs\n');
    const kernel = new Kernel({
      policy: writePolicy(dir, POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(dir, 'kernel.log'),
    });
    const wrote = await kernel.submit({ action: 'fs.write', target: '/workspace/mine.txt', params: { content: 'mine' } });
    fs.rmSync(path.join(ws, 'mine.txt'));
    fs.symlinkSync(path.join(ws, 'precious.txt'), path.join(ws, 'mine.txt'));
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/mine.txt', params: { content: 'pwned' } });
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/mine.txt' });
    await kernel.close();
    assert.equal(wrote.status, 'OK');
    assert.notEqual(overwrite.status, 'OK');
    assert.notEqual(del.status, 'OK');
    assert.equal(fs.readFileSync(path.join(ws, 'precious.txt'), 'utf8'), 'theirs\n');
  });

  test('max_calls on an ask rule: three concurrent submits, all approved by a person → exactly one runs', async () => {
    const dir = tempDir();
    const kv = new SpyProvider('kv', ['kv.put']);
    const waiting: (() => void)[] = [];
    let asked = 0;
    let allAsked: () => void = () => undefined;
    const three = new Promise<void>((r) => (allAsked = r));
    const kernel = new Kernel({
      policy: writePolicy(dir, ['version: 1', 'ask:', '  - { id: put, action: kv.put, resource: "**", max_calls: 1 }', ''].join('\n')),
      providers: [kv],
      logPath: path.join(dir, 'kernel.log'),
      approve: () =>
        new Promise<boolean>((resolve) => {
          waiting.push(() => resolve(true));
          asked += 1;
          if (asked === 3) allAsked();
        }),
    });
    const submits = ['a', 'b', 'c'].map((t) => kernel.submit({ action: 'kv.put', target: t }));
    await three;
    for (const approve of waiting) approve();
    const results = await Promise.all(submits);
    await kernel.close();
    assert.deepEqual(results.map((r) => r.status).sort(), ['DENIED', 'DENIED', 'OK']);
    assert.equal(kv.executed.length, 1);
  });
  test('created_by_run: a file the run wrote, replaced by a hard link to a file it did not write → an overwrite is refused and the delete takes only the link; their file keeps its content', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'precious.txt'), 'theirs\n');
    const kernel = new Kernel({
      policy: writePolicy(dir, POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(dir, 'kernel.log'),
    });
    const wrote = await kernel.submit({ action: 'fs.write', target: '/workspace/mine.txt', params: { content: 'mine' } });
    fs.rmSync(path.join(ws, 'mine.txt'));
    fs.linkSync(path.join(ws, 'precious.txt'), path.join(ws, 'mine.txt'));
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/mine.txt', params: { content: 'pwned' } });
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/mine.txt' });
    await kernel.close();
    assert.equal(wrote.status, 'OK');
    assert.equal(fs.readFileSync(path.join(ws, 'precious.txt'), 'utf8'), 'theirs\n');
    assert.notEqual(overwrite.status, 'OK', 'a file with a second hard link is never written');
    assert.ok(del.status !== 'OK' || !fs.existsSync(path.join(ws, 'mine.txt')), JSON.stringify(del));
  });
});

describe('kernel: history-aware rules and a fired signal', () => {
  test('max_calls: 1 on an ask rule, the caller aborts while a person approves → ERROR Kernel.Aborted, nothing runs, and the call is not used up: the next approved submit runs', async () => {
    const dir = tempDir();
    const kv = new SpyProvider('kv', ['kv.put']);
    const controller = new AbortController();
    const kernel = new Kernel({
      policy: writePolicy(dir, ['version: 1', 'ask:', '  - { id: put, action: kv.put, resource: "**", max_calls: 1 }', ''].join('\n')),
      providers: [kv],
      logPath: path.join(dir, 'kernel.log'),
      approve: async (request) => {
        if (request.canonicalTarget === 'a') controller.abort(); // the caller gives up while the person decides
        return true;
      },
    });
    const aborted = await kernel.submit({ action: 'kv.put', target: 'a' }, { signal: controller.signal });
    const next = await kernel.submit({ action: 'kv.put', target: 'b' });
    await kernel.close();
    assert.deepEqual([aborted.status, aborted.code], ['ERROR', 'Kernel.Aborted']);
    assert.deepEqual([next.status, kv.executed.map((r) => r.canonicalTarget)], ['OK', ['b']]);
  });
});
