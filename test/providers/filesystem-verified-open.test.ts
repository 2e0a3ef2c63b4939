/**
 * The walker's short way (fs-handle.ts, `Dir.openVerifiedSync`): a folder opened by its
 * judged real path is kept only if the kernel reports exactly that path for the descriptor.
 * The attacks: a folder on the way swapped for a symlink to an outside tree holding the
 * same names (the open by path follows it), and a folder renamed or removed after it was
 * opened. The racing versions are in test/race.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { Dir, FD_RELATIVE, fdIsAt } from '../../src/providers/fs-handle';
import { targetAt } from '../../src/providers/fs-handle-walk';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

/** ws/a/b/f.txt inside, and outside/b/f.txt with the same names outside. */
function world() {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(ws, 'a', 'b'), { recursive: true });
  fs.mkdirSync(path.join(outside, 'b'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'a', 'b', 'f.txt'), 'inside');
  fs.writeFileSync(path.join(outside, 'b', 'f.txt'), 'OUTSIDE');
  return { root, ws, outside };
}

/** Replaces ws/a (a folder two levels above the target) with a symlink to the outside folder. */
function swapA(ws: string, outside: string): void {
  fs.rmSync(path.join(ws, 'a'), { recursive: true });
  fs.symlinkSync(outside, path.join(ws, 'a'));
}

/** A kernel whose approval step swaps ws/a after the target was judged. */
function kernelSwapping(durability: 'full' | 'os') {
  const { root, ws, outside } = world();
  const kernel = new Kernel({
    policy: writePolicy(root, 'ask:\n  - action: fs.read\n    resource: /workspace/**\n  - action: fs.write\n    resource: /workspace/**\n'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability })],
    approve: async () => (swapA(ws, outside), true),
  });
  return { ws, outside, kernel };
}

describe('walker short way: open by judged path, verified by the kernel-reported path', () => {
  test('fs.read: a folder above the parent swapped for a symlink to an outside tree with the same names after it was judged → ERROR Fs.UnsafeFile, no outside byte', async () => {
    const { kernel } = kernelSwapping('full');
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/a/b/f.txt' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(r.data, undefined);
    assert.ok(!JSON.stringify(r).includes('OUTSIDE'));
  });

  for (const durability of ['full', 'os'] as const) {
    test(`fs.write (durability '${durability}'): a folder above the parent swapped for a symlink to an outside tree after it was judged → ERROR Fs.UnsafeFile, the outside file unchanged`, async () => {
      const { kernel, outside } = kernelSwapping(durability);
      const r = await kernel.submit({ action: 'fs.write', target: '/workspace/a/b/f.txt', params: { content: 'AGENT' } });
      await kernel.close();
      assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
      assert.equal(fs.readFileSync(path.join(outside, 'b', 'f.txt'), 'utf8'), 'OUTSIDE');
      assert.deepEqual(fs.readdirSync(path.join(outside, 'b')), ['f.txt']);
    });
  }

  test('Dir.openVerifiedSync: the real path → a descriptor the kernel reports there; a symlink on the way, a symlink itself, a file, a missing folder → undefined', () => {
    if (!FD_RELATIVE) return; // the short way exists on Linux only
    const { root, ws, outside } = world();
    const real = path.join(ws, 'a', 'b');
    const dir = Dir.openVerifiedSync(real);
    assert.ok(dir !== undefined);
    assert.equal(fs.readFileSync(dir.at('f.txt'), 'utf8'), 'inside');
    dir.closeSync();
    fs.symlinkSync(outside, path.join(root, 'link'));
    assert.equal(Dir.openVerifiedSync(path.join(root, 'link', 'b')), undefined, 'a symlink on the way leads elsewhere: the reported path differs');
    assert.equal(Dir.openVerifiedSync(path.join(root, 'link')), undefined, 'a symlink itself is not opened');
    assert.equal(Dir.openVerifiedSync(path.join(real, 'f.txt')), undefined);
    assert.equal(Dir.openVerifiedSync(path.join(ws, 'missing')), undefined);
  });

  test('fdIsAt: a folder renamed away, a folder above it renamed, a folder removed after the open → false; a path with U+FFFD → false', () => {
    if (!FD_RELATIVE) return; // the short way exists on Linux only
    const { root, ws } = world();
    const open = (p: string): number => fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    const b = path.join(ws, 'a', 'b');
    const fds: number[] = [];
    try {
      const fd = open(b);
      fds.push(fd);
      assert.equal(fdIsAt(fd, b), true);
      fs.renameSync(b, path.join(root, 'b-moved'));
      assert.equal(fdIsAt(fd, b), false, 'renamed out of the workspace');
      fs.renameSync(path.join(root, 'b-moved'), b);
      assert.equal(fdIsAt(fd, b), true, 'moved back: it is the folder at the judged path again');

      fs.renameSync(path.join(ws, 'a'), path.join(ws, 'a2'));
      assert.equal(fdIsAt(fd, b), false, 'a folder above renamed');
      fs.renameSync(path.join(ws, 'a2'), path.join(ws, 'a'));

      const gone = path.join(ws, 'gone');
      fs.mkdirSync(gone);
      const fd2 = open(gone);
      fds.push(fd2);
      fs.rmdirSync(gone);
      assert.equal(fdIsAt(fd2, gone), false, 'removed: the kernel reports "… (deleted)"');
      fs.mkdirSync(gone);
      assert.equal(fdIsAt(fd2, gone), false, 'a new folder of the same name is another folder');

      const odd = path.join(ws, 'odd\uFFFD');
      fs.mkdirSync(odd);
      const fd3 = open(odd);
      fds.push(fd3);
      assert.equal(fdIsAt(fd3, odd), false);
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  });

  test('targetAt: the names below the mount root; the root itself → none; outside the root or with ./.. → Fs.UnsafeFile', () => {
    const at = (floor: string, hostPath: string) => targetAt({ floor, hostPath }, '/agent/path').parts;
    assert.deepEqual(at('/', '/tmp/a/b.txt'), ['tmp', 'a', 'b.txt']);
    assert.deepEqual(at('/srv/ws', '/srv/ws/a/b.txt'), ['a', 'b.txt']);
    assert.deepEqual(at('/srv/ws', '/srv/ws'), []);
    assert.deepEqual(at('/', '/'), []);
    for (const [floor, hostPath] of [
      ['/srv/ws', '/srv/wsx/a'],
      ['/srv/ws', '/srv/other'],
      ['/srv/ws', '/srv/ws/../etc/passwd'],
    ] as const) {
      assert.throws(
        () => at(floor, hostPath),
        (err: unknown) => (err as { code?: string }).code === 'Fs.UnsafeFile',
        `${floor} ${hostPath}`,
      );
    }
  });

  test('FilesystemProvider: reads and writes work through the short way and through the walk (missing folders made) alike', async () => {
    const { root, ws } = world();
    const kernel = new Kernel({
      policy: writePolicy(root, 'capabilities:\n  - action: fs.read\n    resource: /workspace/**\n  - action: fs.write\n    resource: /workspace/**\n'),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability: 'os' })],
    });
    const w1 = await kernel.submit({ action: 'fs.write', target: '/workspace/a/b/f.txt', params: { content: 'one' } });
    const w2 = await kernel.submit({ action: 'fs.write', target: '/workspace/new/deeper/g.txt', params: { content: 'two' } });
    const w3 = await kernel.submit({ action: 'fs.write', target: '/workspace/top.txt', params: { content: 'three' } });
    const r1 = await kernel.submit({ action: 'fs.read', target: '/workspace/a/b/f.txt' });
    const r2 = await kernel.submit({ action: 'fs.read', target: '/workspace/new/deeper/g.txt' });
    const r3 = await kernel.submit({ action: 'fs.read', target: '/workspace/top.txt' });
    await kernel.close();
    assert.deepEqual(
      [w1, w2, w3].map((r) => r.data),
      [
        { bytes: 3, created: false },
        { bytes: 3, created: true },
        { bytes: 5, created: true },
      ],
    );
    assert.deepEqual(
      [r1, r2, r3].map((r) => r.data),
      ['one', 'two', 'three'],
    );
  });
});
