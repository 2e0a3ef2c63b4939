import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import * as os from 'node:os';
import { AuditLog } from '../../src/kernel/audit-log';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { Kernel } from '../../src/kernel/kernel';
import { repoRoot } from '../helpers/paths';
import { SpyProvider, auditEntry, readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = `capabilities:
  - action: kv.get
    resource: "allowed/**"
`;

/** A worker-like process: opens a Kernel on the log, says "ready", waits for "go", submits N at once, closes. */
const WORKER = `
const path = require('node:path');
const { Kernel } = require(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'kernel', 'kernel.js'))});
const [logPath, policy, count] = process.argv.slice(1);
const provider = { name: 'kv', actions: ['kv.get'],
  resolve: async (r) => ({ action: r.action, target: r.target, canonicalTarget: r.target, params: r.params ?? {} }),
  execute: async () => 'v' };
const kernel = new Kernel({ policy, providers: [provider], logPath });
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  const results = await Promise.all(Array.from({ length: Number(count) }, (_, i) =>
    kernel.submit({ action: 'kv.get', target: i % 2 ? 'allowed/' + i : 'denied/' + i })));
  await kernel.close();
  process.stdout.write('done ' + results.filter((r) => r.auditRecordId).length + '\\n');
  process.exit(0);
});
`;

async function startWorker(logPath: string, policy: string, count: number) {
  const child = spawn(process.execPath, ['-e', WORKER, logPath, policy, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
  });
  await ready;
  return {
    go: () => child.stdin.write('go\n'),
    done: async () => {
      const [code] = (await once(child, 'exit')) as [number];
      return { code, out };
    },
  };
}

describe('audit log shared by several writers', () => {
  test('two worker processes × 500 concurrent submits on one log → each its own segment, verify clean, exactly 1000 records', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const policy = writePolicy(dir, POLICY);
    const a = await startWorker(logPath, policy, 500);
    const b = await startWorker(logPath, policy, 500);
    // Both have opened the log before either writes: the submits overlap.
    a.go();
    b.go();
    const [ra, rb] = await Promise.all([a.done(), b.done()]);
    assert.deepEqual([ra.code, rb.code], [0, 0]);
    assert.match(ra.out, /done 500/);
    assert.match(rb.out, /done 500/);
    const result = await verifyAuditLog(logPath);
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.records, 1000);
    assert.equal(result.segments.length, 2);
    assert.deepEqual(
      result.segments.map((s) => s.records),
      [500, 500],
    );
    assert.ok(
      fs.readdirSync(dir).some((n) => /^kernel\.log\.w-.+-\d+$/.test(n)),
      "the second writer's segment is named by host and pid",
    );
  });

  test('two Kernels of one process on one logPath → no fork: verify clean, every record counted', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const policy = writePolicy(dir, POLICY);
    const k1 = new Kernel({ policy, providers: [new SpyProvider('kv', ['kv.get'])], logPath });
    const k2 = new Kernel({ policy, providers: [new SpyProvider('kv', ['kv.get'])], logPath });
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => k1.submit({ action: 'kv.get', target: `allowed/${i}` })),
      ...Array.from({ length: 20 }, (_, i) => k2.submit({ action: 'kv.get', target: `denied/${i}` })),
    ]);
    await Promise.all([k1.close(), k2.close()]);
    const result = await verifyAuditLog(logPath);
    assert.deepEqual([result.ok, result.records, result.segments.length], [true, 40, 2], JSON.stringify(result.problems));
  });

  test('a Kernel opened after the first one closed → continues the base file (the claim is released)', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const policy = writePolicy(dir, POLICY);
    for (let i = 0; i < 2; i++) {
      const k = new Kernel({ policy, providers: [new SpyProvider('kv', ['kv.get'])], logPath });
      await k.submit({ action: 'kv.get', target: 'allowed/a' });
      await k.close();
    }
    assert.deepEqual(
      readLog(logPath).map((r) => r['seq']),
      [1, 2],
    );
    assert.deepEqual(
      fs
        .readdirSync(dir)
        .filter((n) => n.startsWith('kernel.log'))
        .sort(),
      ['kernel.log', 'kernel.log.head'],
    );
  });

  test("a claim left by a dead process → taken over: the base file's chain continues", async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const dead = spawn(process.execPath, ['-e', '0']);
    await once(dead, 'exit');
    fs.writeFileSync(`${logPath}.writer`, JSON.stringify({ host: os.hostname(), pid: dead.pid, id: 'gone' }));
    const log = AuditLog.open(logPath);
    await log.append(auditEntry(1, 'fs.read'));
    await log.close();
    assert.equal(log.file, logPath);
    assert.ok(!fs.existsSync(`${logPath}.writer`));
  });
});

describe('audit log rotation', () => {
  test('rotation by size → numbered files continue one chain; verify follows them in order with an exact count', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kernel.log');
    const log = AuditLog.open(file, { rotateBytes: 1200 });
    for (let i = 0; i < 12; i++) await log.append(auditEntry(i, 'fs.read'));
    await log.close();
    const rotated = fs
      .readdirSync(dir)
      .filter((n) => /^kernel\.log\.\d{6}$/.test(n))
      .sort();
    assert.ok(rotated.length >= 2, `rotated into ${rotated.join(', ')}`);
    for (const name of [...rotated, 'kernel.log']) assert.ok(fs.statSync(path.join(dir, name)).size <= 1200);
    const first = readLog(path.join(dir, rotated[1]!))[0]!;
    const before = readLog(path.join(dir, rotated[0]!)).at(-1)!;
    assert.equal(first['prev'], before['hash'], "the next file starts from the previous one's last hash");
    const result = await verifyAuditLog(file);
    assert.deepEqual([result.ok, result.records], [true, 12], JSON.stringify(result.problems));
  });

  test("rotation: a rotated file deleted from the middle → verify fails at the next file's first line", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kernel.log');
    const log = AuditLog.open(file, { rotateBytes: 700 });
    for (let i = 0; i < 8; i++) await log.append(auditEntry(i, 'fs.read'));
    await log.close();
    const rotated = fs
      .readdirSync(dir)
      .filter((n) => /^kernel\.log\.\d{6}$/.test(n))
      .sort();
    assert.ok(rotated.length >= 3);
    fs.rmSync(path.join(dir, rotated[1]!));
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.match(result.problems[0]?.message ?? '', /previous rotated file|records removed/);
  });

  test('rotation by age (rotateAgeMs: 0) → a new file per record; reopening continues the chain from the last rotated file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kernel.log');
    const log = AuditLog.open(file, { rotateAgeMs: 0 });
    for (let i = 0; i < 3; i++) await log.append(auditEntry(i, 'fs.read'));
    await log.close();
    // As after a crash between the rename and the new file: the active file is gone.
    fs.renameSync(file, `${file}.000003`);
    const again = AuditLog.open(file);
    const record = await again.append(auditEntry(3, 'fs.read'));
    await again.close();
    assert.equal(record.seq, 4);
    const result = await verifyAuditLog(file);
    assert.deepEqual([result.ok, result.records], [true, 4], JSON.stringify(result.problems));
  });
});
