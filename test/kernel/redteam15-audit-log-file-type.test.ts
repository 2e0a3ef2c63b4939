import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { SpyProvider, tempDir, writePolicy } from './kernel-helpers';

// Red team 15: the audit log was opened whatever its path named. A FIFO there (planted by
// whoever can write the log's folder, or a careless logPath) was taken as an empty log: each
// record went into the pipe, where no verify can see it and a reader may drop it, and once
// 64 KiB were unread the next append's write(2) blocked the event loop — every submit of the
// process stopped for good. Now a FIFO (or socket) log is refused at open.

const POLICY = 'version: 1\ncapabilities:\n  - id: run\n    action: custom.run\n    resource: job\n';

test('new Kernel({ logPath: a FIFO }) → Kernel.AuditCorrupt at construction; no record goes into the pipe', async () => {
  const dir = tempDir();
  const fifo = path.join(dir, 'kernel.log');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  let kernel: Kernel | undefined;
  try {
    kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [new SpyProvider('custom', ['custom.run'])], logPath: fifo });
  } catch (err) {
    assert.equal((err as { code?: unknown }).code, 'Kernel.AuditCorrupt', String(err));
  }
  // Open the read end before anything is closed: a pipe keeps what was written only while it is open somewhere.
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let piped = 0;
  try {
    if (kernel !== undefined) await kernel.submit({ action: 'custom.run', target: 'job' });
    const buf = Buffer.alloc(65536);
    try {
      piped = fs.readSync(reader, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  } finally {
    await kernel?.close();
    fs.closeSync(reader);
  }
  assert.equal(piped, 0, 'an audit record went into a pipe');
  assert.equal(kernel, undefined);
});

test('new Kernel: a FIFO in place of the head file → refused at construction, never a blocked open (the process went on)', () => {
  const dir = tempDir();
  const logPath = path.join(dir, 'kernel.log');
  assert.equal(spawnSync('mkfifo', [`${logPath}.head`]).status, 0);
  assert.throws(() => new Kernel({ policy: writePolicy(dir, POLICY), providers: [new SpyProvider('custom', ['custom.run'])], logPath }));
});
