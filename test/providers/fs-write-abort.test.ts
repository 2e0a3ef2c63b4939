/**
 * An `fs.write` whose submit is aborted while the provider works changes nothing after the
 * answer. The red team of 2026-12-02 (finding 9) aborted a plain kernel's 15 MiB write after
 * 5 ms: the answer was `ERROR Kernel.Aborted`, the file was absent then, and the rename landed
 * seconds later. Here the abort fires, deterministically, while the temp file is fsynced; the
 * test then waits for the provider itself to finish and looks at the disk.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';
import { waitFor } from '../helpers/poll';

type Execute = FilesystemProvider['execute'];

/** A filesystem provider that lets the test await the end of its last `execute`, however it ended. */
class WatchedProvider extends FilesystemProvider {
  finished: Promise<unknown> | undefined;
  override execute(...args: Parameters<Execute>): ReturnType<Execute> {
    const running = super.execute(...args);
    this.finished = running.then(
      () => 'completed',
      (err: unknown) => err,
    );
    return running;
  }
}

/** Runs `body` with `fs.fsync` aborting `controller` when it is asked to sync one of the write's temp files. */
async function abortingOnTempFsync<T>(controller: AbortController, body: () => Promise<T>): Promise<T> {
  const realFsync = fs.fsync;
  const patched = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void => {
    if (fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('.tmp')) controller.abort();
    realFsync(fd, callback);
  };
  fs.fsync = patched as typeof fs.fsync;
  try {
    return await body();
  } finally {
    fs.fsync = realFsync;
  }
}

describe('fs.write aborted while the provider works', () => {
  for (const existing of [false, true]) {
    test(`${existing ? 'over an existing file' : 'a new file'}: answered ERROR Kernel.Aborted, and once the provider is done the target is ${existing ? 'unchanged' : 'still absent'}, no temp file left`, async () => {
      const dir = tempDir();
      const ws = path.join(dir, 'ws');
      fs.mkdirSync(ws);
      const target = path.join(ws, 'out.txt');
      if (existing) fs.writeFileSync(target, 'old');
      const policy = writePolicy(dir, 'capabilities:\n  - action: fs.write\n    resource: /workspace/**\n');
      const provider = new WatchedProvider({ mounts: { '/workspace': ws } });
      const logPath = path.join(dir, 'kernel.log');
      const kernel = new Kernel({ policy, providers: [provider], logPath });
      const controller = new AbortController();
      try {
        const result = await abortingOnTempFsync(controller, () =>
          kernel.submit({ action: 'fs.write', target: '/workspace/out.txt', params: { content: 'new' } }, { signal: controller.signal }),
        );
        assert.equal(result.status, 'ERROR');
        assert.equal(result.code, 'Kernel.Aborted');
        const ended = await provider.finished;
        assert.equal((ended as { code?: unknown }).code, 'Provider.Aborted', 'the provider stopped before its rename');
        if (existing) assert.equal(fs.readFileSync(target, 'utf8'), 'old');
        else assert.equal(fs.existsSync(target), false);
        assert.deepEqual(fs.readdirSync(ws), existing ? ['out.txt'] : []);
      } finally {
        await kernel.close();
      }
      const records = readLog(logPath);
      assert.equal(records.length, 1);
      assert.equal(records[0]?.['status'], 'ERROR');
      assert.equal(records[0]?.['code'], 'Kernel.Aborted');
    });
  }
});

describe('fs.write aborted while it waits for beforeEffect, into folders that do not exist yet', () => {
  test('answered ERROR Kernel.Aborted; the provider stops at its gate, and the missing folders are never created', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const policy = writePolicy(dir, 'capabilities:\n  - action: fs.write\n    resource: /workspace/**\n');
    const provider = new WatchedProvider({ mounts: { '/workspace': ws } });
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({ policy, providers: [provider], logPath });
    const controller = new AbortController();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    try {
      const pending = kernel.submit(
        { action: 'fs.write', target: '/workspace/new/deeper/out.txt', params: { content: 'new' } },
        { signal: controller.signal, beforeExecute: async () => ({ beforeEffect: gate }) },
      );
      await waitFor(() => provider.finished !== undefined, 'the provider to start');
      controller.abort();
      const result = await pending;
      assert.equal(result.status, 'ERROR');
      assert.equal(result.code, 'Kernel.Aborted');
      open();
      const ended = await provider.finished;
      // The gate the provider waits for is raced against the submit's deadline: it rejected, so the
      // provider stopped before its walk, which is what creates missing folders.
      assert.equal((ended as { code?: unknown }).code, 'Kernel.Aborted', 'the provider stopped at its gate');
      assert.deepEqual(fs.readdirSync(ws), []);
    } finally {
      await kernel.close();
    }
    assert.deepEqual(
      readLog(logPath).map((r) => [r['status'], r['code']]),
      [['ERROR', 'Kernel.Aborted']],
    );
  });
});
