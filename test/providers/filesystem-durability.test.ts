import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { SYNC_IO_BYTES } from '../../src/providers/fs-write';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

const POLICY = `capabilities:
  - action: fs.read
    resource: /workspace/**
  - action: fs.write
    resource: /workspace/out/**
`;

function setup(durability?: 'full' | 'os') {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(path.join(ws, 'out'), { recursive: true });
  const logPath = path.join(root, 'kernel.log');
  const provider = new FilesystemProvider({ mounts: { '/workspace': ws }, ...(durability ? { durability } : {}) });
  const kernel = new Kernel({ policy: writePolicy(root, POLICY), providers: [provider], logPath });
  return { ws, kernel, logPath };
}

describe('FilesystemProvider durability and concurrent writes', () => {
  test("FilesystemProvider: durability 'os' → fs.write replaces the file (new content, no temp file left), one record", async () => {
    const { ws, kernel, logPath } = setup('os');
    fs.writeFileSync(path.join(ws, 'out', 'a.txt'), 'old');
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/out/a.txt', params: { content: 'new' } });
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.equal(fs.readFileSync(path.join(ws, 'out', 'a.txt'), 'utf8'), 'new');
    assert.deepEqual(fs.readdirSync(path.join(ws, 'out')), ['a.txt']);
    assert.equal(readLog(logPath).length, 1);
  });

  test('FilesystemProvider: an unknown durability → Fs.InvalidParam naming the option at construction', () => {
    assert.throws(
      () => new FilesystemProvider({ durability: 'none' as unknown as 'os' }),
      (err: unknown) => (err as { code?: string }).code === 'Fs.InvalidParam' && /durability/.test(String(err)),
    );
  });

  test('fs.write: 32 concurrent writers into one folder (shared folder fsyncs) → every file holds its own content, 32 records, no temp file', async () => {
    const { ws, kernel, logPath } = setup();
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) => kernel.submit({ action: 'fs.write', target: `/workspace/out/f${i}.txt`, params: { content: `content ${i}` } })),
    );
    await kernel.close();
    assert.deepEqual(
      results.map((r) => r.status),
      Array(32).fill('OK'),
    );
    for (let i = 0; i < 32; i++) assert.equal(fs.readFileSync(path.join(ws, 'out', `f${i}.txt`), 'utf8'), `content ${i}`);
    assert.equal(fs.readdirSync(path.join(ws, 'out')).filter((n) => n.endsWith('.tmp')).length, 0);
    assert.equal(readLog(logPath).length, 32);
  });

  test('fs.write then fs.read: a file larger than the synchronous-I/O limit → the same bytes back (thread-pool path)', async () => {
    const { kernel } = setup();
    const content = 'z'.repeat(SYNC_IO_BYTES * 3 + 7);
    const w = await kernel.submit({ action: 'fs.write', target: '/workspace/out/big.txt', params: { content } });
    const r = await kernel.submit({ action: 'fs.read', target: '/workspace/out/big.txt' });
    await kernel.close();
    assert.equal(w.status, 'OK');
    assert.equal(r.status, 'OK');
    assert.equal(r.data, content);
  });

  test('fs.write: a missing folder below the mount → made (mode 0755 at most, no special bits) and the file written', async () => {
    const { ws, kernel } = setup();
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/out/new/deeper/x.txt', params: { content: 'x' } });
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.equal(fs.readFileSync(path.join(ws, 'out', 'new', 'deeper', 'x.txt'), 'utf8'), 'x');
    assert.equal(fs.statSync(path.join(ws, 'out', 'new')).mode & 0o7000, 0);
  });
});
