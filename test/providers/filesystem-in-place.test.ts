/**
 * `fs.write` with `durability: 'os'` overwrites an existing file in place (fs-write.ts,
 * `writeInPlace`) — only a regular file with one link, no special bits, owned by the
 * worker; anything else goes the atomic way, with its checks. The attacks: a hard link to
 * an outside file, a symlink, a FIFO, a planted setuid file, a file of another user. With
 * `'full'` every write stays atomic (a new inode).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { SYNC_IO_BYTES } from '../../src/providers/fs-write';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** `swap`, when given, runs when a human approves the write, i.e. after its target was judged. */
function setup(durability: 'full' | 'os' = 'os', swap?: (ws: string, outside: string) => void) {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'SECRET');
  const kernel = new Kernel({
    policy: writePolicy(root, `${swap === undefined ? 'capabilities' : 'ask'}:\n  - action: fs.write\n    resource: /workspace/**\n`),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability })],
    ...(swap === undefined ? {} : { approve: async () => (swap(ws, outside), true) }),
  });
  const write = (name: string, content: string, mode?: number) =>
    kernel.submit({ action: 'fs.write', target: `/workspace/${name}`, params: { content, ...(mode === undefined ? {} : { mode }) } });
  return { ws, outside, kernel, write };
}

describe("fs.write durability 'os': in place when safe", () => {
  test('over an existing file → same inode, exactly the new bytes (shorter and longer than before), its mode kept or set; over the synchronous-I/O limit → atomic; no temp file left', async () => {
    const { ws, kernel, write } = setup();
    const file = path.join(ws, 'a.txt');
    fs.writeFileSync(file, 'a much longer old content\n', { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    const ino = fs.statSync(file).ino;
    const shorter = await write('a.txt', 'new');
    assert.deepEqual([shorter.status, shorter.data], ['OK', { bytes: 3, created: false }], shorter.error);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.equal(fs.statSync(file).mode & 0o7777, 0o640);
    const longer = await write('a.txt', 'x'.repeat(5000), 0o600);
    const big = 'z'.repeat(SYNC_IO_BYTES + 1);
    const large = await write('b.txt', big);
    const largeIno = fs.statSync(path.join(ws, 'b.txt')).ino;
    const largeAgain = await write('b.txt', big);
    await kernel.close();
    assert.equal(longer.status, 'OK', longer.error);
    assert.equal(fs.readFileSync(file, 'utf8'), 'x'.repeat(5000));
    assert.equal(fs.statSync(file).mode & 0o7777, 0o600);
    assert.equal(fs.statSync(file).ino, ino, 'written in place');
    assert.deepEqual([large.status, largeAgain.status], ['OK', 'OK']);
    assert.equal(fs.readFileSync(path.join(ws, 'b.txt'), 'utf8'), big);
    assert.notEqual(fs.statSync(path.join(ws, 'b.txt')).ino, largeIno, 'over the synchronous-I/O limit: replaced atomically');
    assert.deepEqual(fs.readdirSync(ws).sort(), ['a.txt', 'b.txt']);
  });

  test('a target hard-linked to an outside file → ERROR Fs.UnsafeFile, the outside file unchanged (never written through the link)', async () => {
    const { ws, outside, kernel, write } = setup();
    fs.linkSync(path.join(outside, 'secret.txt'), path.join(ws, 'hard.txt'));
    const r = await write('hard.txt', 'AGENT');
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'SECRET');
    assert.equal(fs.statSync(path.join(outside, 'secret.txt')).nlink, 2);
  });

  test('a target swapped for a symlink to an outside file after it was judged → ERROR Fs.UnsafeFile, the outside file unchanged (never followed)', async () => {
    const { outside, kernel, write } = setup('os', (ws, out) => {
      fs.rmSync(path.join(ws, 'a.txt'));
      fs.symlinkSync(path.join(out, 'secret.txt'), path.join(ws, 'a.txt'));
    });
    fs.writeFileSync(path.join(outside, '..', 'ws', 'a.txt'), 'inside');
    const r = await write('a.txt', 'AGENT');
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'SECRET');
  });

  test('a target swapped for a hard link to an outside file after it was judged → ERROR Fs.UnsafeFile, the outside file unchanged', async () => {
    const { outside, kernel, write } = setup('os', (ws, out) => {
      fs.rmSync(path.join(ws, 'a.txt'));
      fs.linkSync(path.join(out, 'secret.txt'), path.join(ws, 'a.txt'));
    });
    fs.writeFileSync(path.join(outside, '..', 'ws', 'a.txt'), 'inside');
    const r = await write('a.txt', 'AGENT');
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'SECRET');
  });

  test('a FIFO, with a reader waiting on it → ERROR Fs.UnsafeFile, nothing written into it, no blocking', async () => {
    const { ws, kernel, write } = setup();
    const fifo = path.join(ws, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const r = await write('pipe', 'AGENT');
      assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.UnsafeFile']);
      const buf = Buffer.alloc(16);
      let got = 0;
      try {
        got = fs.readSync(reader, buf, 0, buf.length, null);
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'EAGAIN'); // nothing in the pipe
      }
      assert.equal(got, 0);
    } finally {
      fs.closeSync(reader);
      await kernel.close();
    }
  });

  test("over a setuid file (another user's when run as root) → replaced the atomic way: a new file, mode 0755, owned by the worker", async () => {
    const { ws, kernel, write } = setup();
    const tool = path.join(ws, 'tool');
    fs.writeFileSync(tool, '#!/bin/sh\nid\n');
    if (isRoot) fs.chownSync(tool, NOBODY, NOBODY);
    fs.chmodSync(tool, 0o6755); // after chown, which clears these bits
    const ino = fs.statSync(tool).ino;
    const r = await write('tool', 'echo agent\n');
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    const st = fs.lstatSync(tool);
    assert.equal(fs.readFileSync(tool, 'utf8'), 'echo agent\n');
    assert.equal(st.mode & 0o7777, 0o755);
    assert.deepEqual([st.uid, st.gid], [process.getuid?.(), process.getgid?.()]);
    assert.notEqual(st.ino, ino);
  });

  test("a plain file of another user (when run as root; else the worker's own file) → owned by the worker afterwards", async () => {
    const { ws, kernel, write } = setup();
    const file = path.join(ws, 'theirs.txt');
    fs.writeFileSync(file, 'theirs');
    fs.chmodSync(file, 0o666);
    if (isRoot) fs.chownSync(file, NOBODY, NOBODY);
    const r = await write('theirs.txt', 'AGENT');
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.readFileSync(file, 'utf8'), 'AGENT');
    assert.equal(fs.lstatSync(file).uid, process.getuid?.());
  });

  test("durability 'full' → every write is a new file renamed over the old one (a new inode)", async () => {
    const { ws, kernel, write } = setup('full');
    const file = path.join(ws, 'a.txt');
    fs.writeFileSync(file, 'old');
    const ino = fs.statSync(file).ino;
    const r = await write('a.txt', 'new');
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.notEqual(fs.statSync(file).ino, ino);
  });
});
