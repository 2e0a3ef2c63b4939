/**
 * The path the kernel reports for a descriptor (`/proc/self/fd/N`) is its path from the root
 * of the mount namespace it was reached in. A folder on the way swapped, after the decision,
 * for a link to `/proc/<pid>/root/<the same path>` of a process whose own mount namespace
 * shows an outside folder there made the short way (open by the judged path, verified by
 * that report) act in the outside folder: a read returned its file, a listing listed it, a
 * write landed in it. A worker that may look into other users' namespaces (CAP_SYS_PTRACE:
 * root, as these tests run) now walks every folder from its mount root without following
 * links, so the swapped folder is refused (fs-handle.ts, SHORT_WAY).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import type { ActionRequest } from '../../src/kernel/types';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { SHORT_WAY } from '../../src/providers/fs-handle';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

const SECRET = 'OUTSIDE SECRET';

describe('a folder swapped for a link into another mount namespace (/proc/<pid>/root)', () => {
  let root = '';
  let ws = '';
  let outside = '';
  let other: ChildProcess | undefined;

  before(async () => {
    root = tempDir();
    ws = path.join(root, 'ws');
    outside = path.join(root, 'outside');
    fs.mkdirSync(ws);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
    // Its own user and mount namespace (no privilege needed): a tmpfs over the workspace's host
    // path, and the outside folder mounted at <ws>/a/b there.
    const script = 'mount -t tmpfs none "$1" && mkdir -p "$1/a/b" && mount --bind "$0" "$1/a/b" && echo ready && exec sleep 600';
    const child = spawn('unshare', ['-Urm', 'sh', '-c', script, outside, ws], { stdio: ['ignore', 'pipe', 'inherit'] });
    other = child;
    const ready = await new Promise<string>((resolve) => {
      child.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('exit', (code) => resolve(`exit ${String(code)}`));
    });
    assert.equal(ready, 'ready\n', 'unshare -Urm with a bind mount works on this machine');
  });

  after(async () => {
    const child = other;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Submits `request` with <ws>/a a real folder when judged and the link when acted on; restores <ws>/a after. */
  async function swapped(kernel: Kernel, request: ActionRequest) {
    const a = path.join(ws, 'a');
    fs.rmSync(a, { recursive: true, force: true });
    fs.mkdirSync(path.join(a, 'b'), { recursive: true });
    const result = await kernel.submit(request, {
      beforeExecute: async () => {
        fs.rmSync(a, { recursive: true });
        fs.symlinkSync(`/proc/${String(other?.pid)}/root${ws}/a`, a);
      },
    });
    fs.rmSync(a, { recursive: true, force: true });
    return result;
  }

  test('this worker may look into other users namespaces, so it takes no short way', () => {
    assert.equal(process.getuid?.(), 0, 'these tests run as root (CAP_SYS_PTRACE)');
    assert.equal(SHORT_WAY, false);
  });

  test('the same worker without CAP_SYS_PTRACE (it can look into namespaces of its own uid only) takes the short way', () => {
    const probe = `process.stdout.write(String(require(${JSON.stringify(require.resolve('../../src/providers/fs-handle'))}).SHORT_WAY))`;
    const without = execFileSync('setpriv', ['--inh-caps=-sys_ptrace', '--bounding-set=-sys_ptrace', process.execPath, '-e', probe], { encoding: 'utf8' });
    const withIt = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    assert.deepEqual([without, withIt], ['true', 'false']);
  });

  test('fs.read, fs.list, fs.write and fs.delete never reach the outside folder; one record each', async () => {
    const log = path.join(root, 'audit.log');
    const kernel = new Kernel({
      policy: writePolicy(
        root,
        `capabilities:\n${['fs.read', 'fs.list', 'fs.write', 'fs.delete'].map((a) => `  - action: ${a}\n    resource: /workspace/**\n`).join('')}`,
      ),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: log,
    });
    const results = [
      await swapped(kernel, { action: 'fs.read', target: '/workspace/a/b/secret.txt' }),
      await swapped(kernel, { action: 'fs.list', target: '/workspace/a/b' }),
      await swapped(kernel, { action: 'fs.write', target: '/workspace/a/b/planted.txt', params: { content: 'planted' } }),
      await swapped(kernel, { action: 'fs.delete', target: '/workspace/a/b/secret.txt' }),
    ];
    await kernel.close();
    for (const r of results) {
      assert.equal(r.status, 'ERROR', JSON.stringify(r));
      assert.equal(r.code, 'Fs.UnsafeFile', JSON.stringify(r));
      assert.ok(!JSON.stringify(r).includes(SECRET), JSON.stringify(r));
      assert.equal(r.data, undefined, 'nothing read or listed');
    }
    assert.deepEqual(fs.readdirSync(outside), ['secret.txt'], 'nothing planted in or deleted from the outside folder');
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), SECRET);
    assert.deepEqual(
      readLog(log).map((r) => r['status']),
      ['ERROR', 'ERROR', 'ERROR', 'ERROR'],
    );
  });
});
