/**
 * Red-team findings against the walker's short way (fs-handle.ts) and the in-place write
 * (fs-write.ts, `durability: 'os'`) — see /work/notes/redteam-fs.md.
 * - A folder whose judged real path itself ends in ` (deleted)`: the kernel reports
 *   `<path> (deleted)` for a removed folder, so such a path is "verified" for a dead folder
 *   (the header's "a deleted folder reports … (deleted): all differ" does not hold there).
 * - An in-place write keeps grants a replacement drops: the file's group (a replaced file
 *   gets the worker's group), so another group keeps access to what the agent writes.
 * - A target holding a lone UTF-16 surrogate: the policy judges the string as given, but
 *   the file name Node hands the kernel holds U+FFFD in its place, so a write creates a name
 *   the policy denies (and several targets alias one file).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { FD_RELATIVE, fdIsAt } from '../../src/providers/fs-handle';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function writer(durability: 'full' | 'os') {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws);
  const kernel = new Kernel({
    policy: writePolicy(root, 'capabilities:\n  - action: fs.write\n    resource: /workspace/**\n'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability })],
  });
  const write = (name: string, content: string) => kernel.submit({ action: 'fs.write', target: `/workspace/${name}`, params: { content } });
  return { ws, kernel, write };
}

describe('red team: short way and in-place writes', () => {
  test('fdIsAt: a folder removed after the open is never verified, even when the judged path itself ends in " (deleted)"', () => {
    if (!FD_RELATIVE) return; // the short way exists on Linux only
    const root = tempDir();
    const real = path.join(root, 'd');
    const judged = `${real} (deleted)`; // a real folder of that name, judged by the policy
    fs.mkdirSync(judged);
    fs.writeFileSync(path.join(judged, 'f.txt'), 'real');
    // What an attacker can make the open by path reach: `d (deleted)` swapped (RENAME_EXCHANGE)
    // for a symlink to `d`, then `d` removed before the readlink.
    fs.mkdirSync(real);
    const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.rmdirSync(real);
      assert.equal(fs.readlinkSync(`/proc/self/fd/${fd}`), judged, 'the kernel reports the removed folder exactly as the judged path');
      assert.equal(fdIsAt(fd, judged), false, 'a removed (dead) folder is verified as the live folder "d (deleted)"');
    } finally {
      fs.closeSync(fd);
    }
  });

  test("durability 'os' over a worker-owned file of another group (when run as root) → the group a replacement gives (the worker's), not the old one", async () => {
    const { ws, kernel, write } = writer('os');
    const file = path.join(ws, 'shared.txt');
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o664);
    if (isRoot) fs.chownSync(file, process.getuid?.() ?? 0, NOBODY);
    const r = await write('shared.txt', 'AGENT SECRET');
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.readFileSync(file, 'utf8'), 'AGENT SECRET');
    const st = fs.lstatSync(file);
    assert.equal(st.mode & 0o777, 0o664);
    assert.equal(st.gid, process.getegid?.(), 'the old group (and its group-write bit) still covers the agent-written content');
  });

  test('fs.write to a target with a lone surrogate → refused, never the U+FFFD name the policy denies', async () => {
    const root = tempDir();
    const ws = path.join(root, 'ws');
    fs.mkdirSync(ws);
    const kernel = new Kernel({
      policy: writePolicy(
        root,
        'capabilities:\n  - action: fs.write\n    resource: /workspace/**\ndeny:\n  - action: fs.write\n    resource: "/workspace/\uFFFDsecret"\n',
      ),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
    });
    const direct = await kernel.submit({ action: 'fs.write', target: '/workspace/\uFFFDsecret', params: { content: 'x' } });
    const lone = await kernel.submit({ action: 'fs.write', target: '/workspace/\uD800secret', params: { content: 'x' } });
    await kernel.close();
    assert.equal(direct.status, 'DENIED');
    assert.notEqual(lone.status, 'OK');
    assert.deepEqual(fs.readdirSync(ws), [], 'the denied name was created through the lone surrogate');
  });
});

describe('redteam13b: a recursive fs.delete keeps what a deny rule protects below it', () => {
  const POLICY = `capabilities:
  - { action: fs.delete, resource: "/workspace/**", constraint: { recursive: true } }
deny:
  - { id: keep, action: fs.*, resource: "/workspace/data/keep/**" }
  - { id: no-env, action: fs.*, resource: "/workspace/**/.env" }
`;
  function setup13b() {
    const root = tempDir();
    const ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, 'data', 'keep'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'app', 'src'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'build', 'out'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'data', 'a.txt'), 'a');
    fs.writeFileSync(path.join(ws, 'data', 'keep', 'ledger.csv'), 'precious');
    fs.writeFileSync(path.join(ws, 'app', 'src', 'main.ts'), 'code');
    fs.writeFileSync(path.join(ws, 'app', 'src', '.env'), 'SECRET=1');
    fs.writeFileSync(path.join(ws, 'build', 'out', 'x.js'), 'x');
    const kernel = new Kernel({ policy: writePolicy(root, POLICY), providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })] });
    return { ws, kernel };
  }
  test('a tree holding an entry a deny protects → ERROR Fs.Protected, nothing deleted', async () => {
    const { ws, kernel } = setup13b();
    const data = await kernel.submit({ action: 'fs.delete', target: '/workspace/data', params: { recursive: true } });
    const app = await kernel.submit({ action: 'fs.delete', target: '/workspace/app', params: { recursive: true } });
    await kernel.close();
    assert.deepEqual([data.status, data.code], ['ERROR', 'Fs.Protected'], data.error);
    assert.match(data.error ?? '', /\/workspace\/data\/keep/);
    assert.deepEqual([app.status, app.code], ['ERROR', 'Fs.Protected'], app.error);
    assert.equal(fs.readFileSync(path.join(ws, 'data', 'keep', 'ledger.csv'), 'utf8'), 'precious');
    assert.equal(fs.readFileSync(path.join(ws, 'data', 'a.txt'), 'utf8'), 'a'); // checked before anything was removed
    assert.equal(fs.readFileSync(path.join(ws, 'app', 'src', '.env'), 'utf8'), 'SECRET=1');
    assert.equal(fs.readFileSync(path.join(ws, 'app', 'src', 'main.ts'), 'utf8'), 'code');
  });
  test('a second process writes a protected .env into the tree while it is deleted → every .env it managed to create is still there afterwards', async () => {
    const { ws, kernel } = setup13b();
    const big = path.join(ws, 'build', 'many');
    fs.mkdirSync(big);
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(big, `f${i}`), 'x');
    const target = path.join(big, '.env');
    const stop = path.join(ws, '..', 'stop');
    // Once the delete has begun (a file of the tree is gone: past the check of the whole tree), the
    // racer writes the protected name as fast as it can until told to stop, and says how often it succeeded.
    const racer = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs');let n=0;process.stdout.write('ready\\n');
         while(!fs.existsSync(${JSON.stringify(stop)})){try{if(fs.readdirSync(${JSON.stringify(big)}).length<2000){fs.writeFileSync(${JSON.stringify(target)},'SECRET');n++}}catch{}}
         process.stdout.write('created '+n+'\\n');`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    racer.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) =>
      racer.stdout.on('data', (d: string) => {
        out += d;
        if (out.includes('ready')) resolve();
      }),
    );
    const exited = new Promise<void>((resolve) => racer.on('exit', () => resolve()));
    await ready;
    const r = await kernel.submit({ action: 'fs.delete', target: '/workspace/build', params: { recursive: true } });
    fs.writeFileSync(stop, '');
    await exited;
    await kernel.close();
    const created = Number(/created (\d+)/.exec(out)?.[1] ?? NaN);
    assert.ok(Number.isInteger(created), out);
    if (created > 0) {
      assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.Protected'], `${created} writes of .env, and the delete answered ${r.status}`);
      assert.equal(fs.readFileSync(target, 'utf8'), 'SECRET', 'a protected file the racer created was deleted');
    } else {
      assert.equal(r.status, 'OK', r.error);
    }
  });

  test('a tree with nothing protected in it is still deleted', async () => {
    const { ws, kernel } = setup13b();
    const r = await kernel.submit({ action: 'fs.delete', target: '/workspace/build', params: { recursive: true } });
    await kernel.close();
    assert.deepEqual([r.status, r.data], ['OK', { deleted: 'directory' }], r.error);
    assert.equal(fs.existsSync(path.join(ws, 'build')), false);
  });
});
