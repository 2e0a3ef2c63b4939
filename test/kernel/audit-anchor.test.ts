import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog, HEAD_MAX_LAG, type AuditLogOptions } from '../../src/kernel/audit-log';
import { readHead } from '../../src/kernel/audit-head';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { repoRoot } from '../helpers/paths';
import { auditEntry, tempDir } from './kernel-helpers';

async function writeLog(records: number, options: AuditLogOptions = {}): Promise<{ dir: string; file: string; lines: string[] }> {
  const dir = tempDir();
  const file = path.join(dir, 'kernel.log');
  const log = AuditLog.open(file, options);
  for (let i = 0; i < records; i++) await log.append(auditEntry(i));
  await log.close();
  return {
    dir,
    file,
    lines: fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

function keepFirst(file: string, lines: readonly string[], n: number): void {
  fs.writeFileSync(
    file,
    lines
      .slice(0, n)
      .map((l) => `${l}\n`)
      .join(''),
  );
}

const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [main, 'audit', ...args], { encoding: 'utf8' });

describe('audit log completeness (heads)', () => {
  for (const k of [1, 2, 5] as const) {
    test(`verifyAuditLog: last ${k === 5 ? 'all' : k} record(s) of 5 deleted → fails on the head beside the log`, async () => {
      const { file, lines } = await writeLog(5);
      keepFirst(file, lines, 5 - k);
      const result = await verifyAuditLog(file);
      assert.equal(result.ok, false);
      assert.match(result.problems.map((p) => p.message).join('\n'), /records removed from the end/);
    });
  }

  test('verifyAuditLog: the whole log file deleted, its head kept → fails "segment is missing"', async () => {
    const { file } = await writeLog(3);
    fs.rmSync(file);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.match(result.problems[0]?.message ?? '', /kernel\.log is missing: .* anchors 3 record/);
  });

  test("verifyAuditLog: head kept in headDir, last record and the folder's heads deleted → passes alone, fails with --anchor", async () => {
    const headDir = tempDir('agent-os-heads-');
    const { file, lines } = await writeLog(4, { headDir });
    const head = path.join(headDir, 'kernel.log.head');
    assert.ok(fs.existsSync(head));
    assert.ok(!fs.existsSync(`${file}.head`), 'no head beside the log when headDir is set');
    keepFirst(file, lines, 3);
    assert.equal((await verifyAuditLog(file)).ok, true, 'the chain alone cannot see it');
    const anchored = await verifyAuditLog(file, { anchors: [head] });
    assert.equal(anchored.ok, false);
    assert.match(anchored.problems[0]?.message ?? '', /holds 3 record\(s\), but .* anchors 4/);
  });

  test('verifyAuditLog: last record replaced by a re-chained forgery → fails "log rewritten"', async () => {
    const { file, lines } = await writeLog(3);
    // Rebuild record 3 with another target, chained onto the real record 2.
    keepFirst(file, lines, 2);
    const dir = path.dirname(file);
    fs.renameSync(`${file}.head`, path.join(dir, 'saved.head'));
    const forger = AuditLog.open(file, { noHead: true });
    await forger.append({ ...auditEntry(2), target: '/workspace/innocent.txt' });
    await forger.close();
    const result = await verifyAuditLog(file, { anchors: [path.join(dir, 'saved.head')] });
    assert.equal(result.ok, false);
    assert.match(result.problems.map((p) => p.message).join('\n'), /record 3 of kernel\.log is not the one .* anchors \(log rewritten\)/);
  });

  test('verifyAuditLog: head one record behind (crash between line and head) → ok, the record after the anchor is reported', async () => {
    const { file, dir } = await writeLog(2);
    const behind = path.join(dir, 'behind.head');
    fs.copyFileSync(`${file}.head`, behind);
    const log = AuditLog.open(file, { noHead: true });
    await log.append(auditEntry(9));
    await log.close();
    fs.rmSync(`${file}.head`);
    const result = await verifyAuditLog(file, { anchors: [behind] });
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.deepEqual(
      result.anchors.map((a) => [a.count, a.after]),
      [[2, 1]],
    );
  });

  test(`AuditLog: ${HEAD_MAX_LAG + 36} appends in one turn of the event loop → head at ${HEAD_MAX_LAG} at once, at all of them once the turn is over`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kernel.log');
    const log = AuditLog.open(file);
    const total = HEAD_MAX_LAG + 36;
    for (let i = 0; i < total; i++) log.appendSync(auditEntry(i));
    // Every line is in the file already; the head is never more than HEAD_MAX_LAG records behind.
    assert.equal(
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length,
      total,
    );
    assert.equal(readHead(`${file}.head`).count, HEAD_MAX_LAG);
    const midway = await verifyAuditLog(file);
    assert.equal(midway.ok, true, JSON.stringify(midway.problems));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(readHead(`${file}.head`).count, total);
    await log.close();
    const closed = await verifyAuditLog(file);
    assert.deepEqual([closed.ok, closed.records], [true, total]);
  });

  test('AuditLog: records cut from the end after the head caught up → verify fails (the lagging head still anchors them)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kernel.log');
    const log = AuditLog.open(file);
    for (let i = 0; i < 3; i++) log.appendSync(auditEntry(i));
    await new Promise<void>((resolve) => setImmediate(resolve));
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    keepFirst(file, lines, 2); // while the writer is still open
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.match(result.problems.map((p) => p.message).join('\n'), /records removed from the end/);
    await log.close().catch(() => undefined);
  });

  test('audit verify --anchor HEAD: truncated log → exit 1 naming the removal; intact → exit 0', async () => {
    const headDir = tempDir('agent-os-heads-');
    const { file, lines } = await writeLog(3, { headDir });
    const head = path.join(headDir, 'kernel.log.head');
    const intact = cli('verify', file, '--anchor', head);
    keepFirst(file, lines, 1);
    const cut = cli('verify', file, '--anchor', head);
    assert.equal(intact.status, 0, intact.stdout + intact.stderr);
    assert.equal(cut.status, 1);
    assert.match(cut.stdout, /holds 1 record\(s\), but .* anchors 3/);
  });

  test('audit verify --anchor EXPORT: a run export naming kernel records removed from the log → exit 1', async () => {
    const { file, dir, lines } = await writeLog(3, { noHead: true });
    const ids = lines.map((l) => (JSON.parse(l) as { hash: string }).hash);
    const exported = path.join(dir, 'run.jsonl');
    fs.writeFileSync(exported, ids.map((id, i) => `${JSON.stringify({ seq: i + 1, kernel_record: id })}\n`).join(''));
    assert.equal(cli('verify', file, '--anchor', exported).status, 0);
    keepFirst(file, lines, 2);
    const cut = cli('verify', file, '--anchor', exported);
    assert.equal(cut.status, 1);
    assert.match(cut.stdout, /run\.jsonl:3: kernel record .* is not in the log/);
  });

  test('audit verify --anchor: unreadable anchor → exit 2', async () => {
    const { file } = await writeLog(1);
    assert.equal(cli('verify', file, '--anchor', path.join(tempDir(), 'none.head')).status, 2);
  });
});
