/**
 * No special mode bits: whatever the worker writes never carries setuid, setgid or sticky
 * bits, even over a file that had them, and a file owned by another user is replaced by one
 * owned by the worker (the write makes a new file and renames it over the old one).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

function setup() {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws);
  const kernel = new Kernel({
    policy: writePolicy(root, 'capabilities:\n  - action: fs.write\n    resource: /workspace/**\n'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
  });
  return { ws, kernel };
}

/** A file with `mode`, owned by nobody when the test runs as root. */
function plant(file: string, mode: number): void {
  fs.writeFileSync(file, '#!/bin/sh\nid\n');
  if (isRoot) fs.chownSync(file, NOBODY, NOBODY);
  fs.chmodSync(file, mode); // after chown, which clears setuid and setgid
}

describe('FilesystemProvider: special mode bits', () => {
  test('fs.write: over a mode 6755 file another user planted → agent content, mode 0755, owned by the worker', async () => {
    const { ws, kernel } = setup();
    const tool = path.join(ws, 'tool');
    plant(tool, 0o6755);
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/tool', params: { content: 'echo agent\n' } });
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    const st = fs.lstatSync(tool);
    assert.equal(fs.readFileSync(tool, 'utf8'), 'echo agent\n');
    assert.equal(st.mode & 0o7777, 0o755);
    assert.deepEqual([st.uid, st.gid], [process.getuid?.(), process.getgid?.()]);
  });

  test('fs.write: over a sticky mode 1777 file → mode 0777, no sticky bit', async () => {
    const { ws, kernel } = setup();
    const file = path.join(ws, 'shared');
    plant(file, 0o1777);
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/shared', params: { content: 'x' } });
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.lstatSync(file).mode & 0o7777, 0o777);
  });

  test('fs.write: creating a folder inside a setgid folder → the new folder and file carry no special bit', async () => {
    const { ws, kernel } = setup();
    fs.mkdirSync(path.join(ws, 'team'));
    fs.chmodSync(path.join(ws, 'team'), 0o2775);
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/team/new/x.txt', params: { content: 'x' } });
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.equal(fs.lstatSync(path.join(ws, 'team', 'new')).mode & 0o7000, 0);
    assert.equal(fs.lstatSync(path.join(ws, 'team', 'new', 'x.txt')).mode & 0o7000, 0);
  });
});
