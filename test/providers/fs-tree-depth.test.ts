/**
 * Red team 14: a recursive `fs.delete` of a chain of 21,000 folders (made by a program in one
 * `mkdir d && cd d` loop) held one descriptor per level and ran past the submit's deadline
 * (`Kernel.Timeout`, the walk going on in the background). A tree deeper than 256 folders
 * below the target is refused (`Fs.UnsafeFile`) before anything is removed.
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

/** A chain of `depth` folders named `d` in `top`, made as a program would (relative steps: past PATH_MAX). */
function chain(top: string, depth: number): void {
  const cwd = process.cwd();
  try {
    process.chdir(top);
    for (let i = 0; i < depth; i++) {
      fs.mkdirSync('d');
      process.chdir('d');
    }
  } finally {
    process.chdir(cwd);
  }
}

/** Removes such a chain bottom-up with relative steps (fs.rmSync builds paths past PATH_MAX). */
function unchain(top: string): void {
  const cwd = process.cwd();
  try {
    process.chdir(top);
    let depth = 0;
    while (fs.existsSync('d')) {
      process.chdir('d');
      depth++;
    }
    for (; depth > 0; depth--) {
      process.chdir('..');
      fs.rmdirSync('d');
    }
  } finally {
    process.chdir(cwd);
  }
}

function setup(depth: number) {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  const top = path.join(ws, 'tree');
  fs.mkdirSync(top, { recursive: true });
  fs.writeFileSync(path.join(top, 'keep.txt'), 'k');
  chain(top, depth);
  const logPath = path.join(root, 'kernel.log');
  const kernel = new Kernel({ policy: writePolicy(root, POLICY), providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
  return { top, kernel, logPath };
}

describe('red team: recursive delete of a very deep tree', () => {
  test('21,000 folders deep → ERROR Fs.UnsafeFile at once, the chain left in place, one audit record', async () => {
    const { top, kernel, logPath } = setup(21_000);
    try {
      const started = Date.now();
      const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/tree', params: { recursive: true } });
      assert.equal(del.status, 'ERROR');
      assert.equal(del.code, 'Fs.UnsafeFile', del.error);
      assert.match(del.error ?? '', /more than 256 folders deep/);
      assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
      assert.ok(fs.existsSync(path.join(top, 'd', 'd', 'd')));
      assert.deepEqual(
        readLog(logPath).map((r) => r['status']),
        ['ERROR'],
      );
    } finally {
      await kernel.close();
      unchain(top);
    }
  });

  test('256 folders deep → OK, the whole tree removed', async () => {
    const { top, kernel } = setup(256);
    try {
      const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/tree', params: { recursive: true } });
      assert.equal(del.status, 'OK', del.error);
      assert.equal(fs.existsSync(top), false);
    } finally {
      await kernel.close();
    }
  });
});
