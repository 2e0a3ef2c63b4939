/**
 * Red team 14: a recursive `fs.delete` retried a sub-folder that failed deep down as if it had
 * been swapped for a link — at every level, up to eight times — so one entry that cannot be
 * removed at the bottom of a tree (here a name that is not valid UTF-8: Node's readdir hands
 * back U+FFFD for it, and the unlink of that name misses) made the work grow eightfold per
 * folder above it: a tree nine folders deep kept the worker reading folders for days, past
 * the submit's deadline (answered `Kernel.Timeout` while the walk went on in the background).
 * An entry that cannot be removed now fails the delete at once with `Fs.UnsafeFile`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

const POLICY = `capabilities:
  - action: fs.delete
    resource: /workspace/**
    constraint:
      recursive: true
`;

describe('red team: recursive delete of a tree with an entry it cannot remove', () => {
  test('nine folders deep, a non-UTF-8 name at the bottom → ERROR Fs.UnsafeFile at once (not a timeout), one audit record', async () => {
    const root = tempDir();
    const ws = path.join(root, 'ws');
    let deepest = path.join(ws, 'tree');
    for (let i = 0; i < 9; i++) deepest = path.join(deepest, `d${i}`);
    fs.mkdirSync(deepest, { recursive: true });
    const odd = Buffer.concat([Buffer.from(`${deepest}/`), Buffer.from([0x6b, 0xff, 0x79])]);
    fs.writeFileSync(odd, 'x');
    const logPath = path.join(root, 'kernel.log');
    const kernel = new Kernel({ policy: writePolicy(root, POLICY), providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
    try {
      const started = Date.now();
      const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/tree', params: { recursive: true } });
      assert.equal(del.status, 'ERROR');
      assert.equal(del.code, 'Fs.UnsafeFile', del.error);
      assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
      assert.ok(fs.existsSync(odd), 'the entry it could not name is still there');
      const records = readLog(logPath);
      assert.equal(records.length, 1);
      assert.equal(records[0]?.['status'], 'ERROR');
    } finally {
      await kernel.close();
      fs.rmSync(odd, { force: true });
    }
  });
});
