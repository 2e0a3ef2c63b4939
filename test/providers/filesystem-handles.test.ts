/**
 * The filesystem provider acts through the descriptors it checked (fs-handle.ts): a folder
 * swapped for a symlink after it was judged is refused as unsafe (not reported missing),
 * a link inside a tree being deleted is removed, never followed, and no descriptor is left
 * open. The racing versions of these attacks are in test/race.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { FD_RELATIVE } from '../../src/providers/fs-handle';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

const GRANT_ALL = `capabilities:
  - { action: fs.read, resource: "/workspace/**" }
  - { action: fs.list, resource: "/workspace/**" }
  - { action: fs.write, resource: "/workspace/**" }
  - { action: fs.delete, resource: "/workspace/**", constraint: { recursive: true } }
`;

/** A workspace and an outside folder; `swap` runs when a human approves, i.e. after the target was judged. */
function setup(policy: string, swap?: (ws: string, outside: string) => void) {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(ws, 'sub', 'inside.txt'), 'inside');
  fs.writeFileSync(path.join(outside, 'inside.txt'), 'OUTSIDE');
  const kernel = new Kernel({
    policy: writePolicy(root, policy),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
    ...(swap === undefined ? {} : { approve: async () => (swap(ws, outside), true) }),
  });
  return { ws, outside, kernel };
}

/** Replaces ws/sub with a symlink to the outside folder. */
function swapSub(ws: string, outside: string): void {
  fs.rmSync(path.join(ws, 'sub'), { recursive: true });
  fs.symlinkSync(outside, path.join(ws, 'sub'));
}

describe('FilesystemProvider: acts through checked descriptors', () => {
  test('fs.list: folder swapped for a symlink to an outside folder after it was judged → ERROR Fs.UnsafeFile, not Fs.NotFound', async () => {
    const { kernel } = setup('ask:\n  - action: fs.list\n    resource: /workspace/**\n', swapSub);
    const r = await kernel.submit({ action: 'fs.list', target: '/workspace/sub' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(r.data, undefined);
  });

  test('fs.delete: file whose folder was swapped for a symlink after it was judged → ERROR Fs.UnsafeFile, the outside file kept', async () => {
    const { kernel, outside } = setup('ask:\n  - action: fs.delete\n    resource: /workspace/**\n', swapSub);
    const r = await kernel.submit({ action: 'fs.delete', target: '/workspace/sub/inside.txt' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(fs.readFileSync(path.join(outside, 'inside.txt'), 'utf8'), 'OUTSIDE');
  });

  test('fs.delete recursive: a tree holding a link to an outside folder → the tree and the link removed, the outside folder intact', async () => {
    const { kernel, ws, outside } = setup(GRANT_ALL);
    fs.mkdirSync(path.join(ws, 't', 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(ws, 't', 'a', 'b', 'f'), 'x');
    fs.symlinkSync(outside, path.join(ws, 't', 'a', 'out'));
    fs.symlinkSync(path.join(outside, 'inside.txt'), path.join(ws, 't', 'file-link'));
    const r = await kernel.submit({ action: 'fs.delete', target: '/workspace/t', params: { recursive: true } });
    await kernel.close();
    assert.deepEqual([r.status, r.data], ['OK', { deleted: 'directory' }], r.error);
    assert.equal(fs.existsSync(path.join(ws, 't')), false);
    assert.deepEqual(fs.readdirSync(outside), ['inside.txt']);
    assert.equal(fs.readFileSync(path.join(outside, 'inside.txt'), 'utf8'), 'OUTSIDE');
  });

  test('fs.write: a parent that is a file → ERROR Fs.WrongType, nothing created', async () => {
    const { kernel, ws } = setup(GRANT_ALL);
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/sub/inside.txt/x/y.txt', params: { content: 'x' } });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.WrongType']);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'sub')), ['inside.txt']);
  });

  test('FilesystemProvider: 300 mixed actions, failures included → no descriptor left open', async () => {
    if (!FD_RELATIVE) return; // counting descriptors needs /proc/self/fd
    const { kernel } = setup(GRANT_ALL);
    const before = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) {
      await kernel.submit({ action: 'fs.write', target: `/workspace/w/${i % 5}/f.txt`, params: { content: String(i) } });
      await kernel.submit({ action: 'fs.read', target: `/workspace/w/${i % 5}/f.txt` });
      await kernel.submit({ action: 'fs.read', target: '/workspace/missing/f.txt' });
      await kernel.submit({ action: 'fs.list', target: '/workspace/w' });
      await kernel.submit({ action: 'fs.list', target: '/workspace/sub/inside.txt' });
      await kernel.submit({ action: 'fs.delete', target: `/workspace/w/${i % 5}`, params: { recursive: true } });
    }
    const after = fs.readdirSync('/proc/self/fd').length;
    await kernel.close();
    assert.equal(after, before);
  });
});
