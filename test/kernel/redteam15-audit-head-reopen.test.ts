import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog, type AuditLogOptions } from '../../src/kernel/audit-log';
import { readHead } from '../../src/kernel/audit-head';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { auditEntry, tempDir } from './kernel-helpers';

// Red team 15: a log cut (or deleted) while its writer was stopped. The head exists to show
// that (records removed from the end); opening the log again rewrote the head to whatever
// was left, so the evidence was gone and `audit verify` passed — with the head in a headDir
// the agent cannot write, too.

async function writeLog(records: number, options: AuditLogOptions = {}): Promise<{ file: string; lines: string[] }> {
  const file = path.join(tempDir(), 'kernel.log');
  const log = AuditLog.open(file, options);
  for (let i = 0; i < records; i++) await log.append(auditEntry(i));
  await log.close();
  return { file, lines: fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

function keepFirst(file: string, lines: readonly string[], n: number): void {
  fs.writeFileSync(file, lines.slice(0, n).join('\n') + (n > 0 ? '\n' : ''));
}

/** Opens, appends one record and closes, as a restarted worker would; the error if the open refuses. */
async function reopen(file: string, options: AuditLogOptions = {}): Promise<unknown> {
  let log: AuditLog;
  try {
    log = AuditLog.open(file, options);
  } catch (err) {
    return err;
  }
  await log.append(auditEntry(99));
  await log.close();
  return undefined;
}

describe('audit log: reopening a log its head says was cut (red team 15)', () => {
  test('AuditLog.open: last 2 of 5 records cut while stopped (head in headDir) → AuditLogCorruptError, head untouched, verify --anchor still fails', async () => {
    const headDir = tempDir('agent-os-heads-');
    const { file, lines } = await writeLog(5, { headDir });
    const head = path.join(headDir, 'kernel.log.head');
    const before = fs.readFileSync(head, 'utf8');
    keepFirst(file, lines, 3);
    const err = await reopen(file, { headDir });
    assert.equal((err as { code?: string } | undefined)?.code, 'Kernel.AuditCorrupt');
    assert.match((err as Error).message, /3 record\(s\).*anchors 5/);
    assert.equal(fs.readFileSync(head, 'utf8'), before, 'the head still anchors 5 records');
    const result = await verifyAuditLog(file, { anchors: [head] });
    assert.equal(result.ok, false);
  });

  test('AuditLog.open: the whole log deleted, its head beside it kept → refused; nothing new is chained from genesis', async () => {
    const { file } = await writeLog(3);
    fs.rmSync(file);
    const err = await reopen(file);
    assert.equal((err as { code?: string } | undefined)?.code, 'Kernel.AuditCorrupt');
    assert.equal(readHead(`${file}.head`).count, 3);
    assert.equal(fs.existsSync(file) ? fs.statSync(file).size : 0, 0);
  });

  test('AuditLog.open: last record replaced by a re-chained forgery (same count) → refused as rewritten', async () => {
    const { file, lines } = await writeLog(3);
    const saved = fs.readFileSync(`${file}.head`);
    keepFirst(file, lines, 2);
    fs.renameSync(`${file}.head`, `${file}.saved`);
    const forger = AuditLog.open(file, { noHead: true });
    await forger.append({ ...auditEntry(2), target: '/workspace/innocent.txt' });
    await forger.close();
    fs.writeFileSync(`${file}.head`, saved);
    const err = await reopen(file);
    assert.equal((err as { code?: string } | undefined)?.code, 'Kernel.AuditCorrupt');
    assert.match((err as Error).message, /rewritten/);
  });

  test('AuditLog.open: head behind the log (a crash before its rewrite) → continues; head then anchors every record', async () => {
    const { file } = await writeLog(2);
    const behind = fs.readFileSync(`${file}.head`);
    const log = AuditLog.open(file, { noHead: true });
    for (let i = 0; i < 3; i++) await log.append(auditEntry(10 + i));
    await log.close();
    fs.writeFileSync(`${file}.head`, behind);
    assert.equal(await reopen(file), undefined);
    assert.equal(readHead(`${file}.head`).count, 6);
    const result = await verifyAuditLog(file);
    assert.deepEqual([result.ok, result.records], [true, 6], JSON.stringify(result.problems));
  });

  test('AuditLog.open: head behind the log, but its anchored record replaced and re-chained → refused', async () => {
    const { file, lines } = await writeLog(3);
    assert.equal(readHead(`${file}.head`).count, 3);
    // Records 2 and 3 replaced by three others: the head (3) is now behind the log (4), at a forged record.
    keepFirst(file, lines, 1);
    const forger = AuditLog.open(file, { noHead: true });
    for (let i = 0; i < 3; i++) await forger.append({ ...auditEntry(i + 1), target: `/workspace/other-${i}.txt` });
    await forger.close();
    const err = await reopen(file);
    assert.equal((err as { code?: string } | undefined)?.code, 'Kernel.AuditCorrupt');
  });

  test('AuditLog.open: an empty head file (a crash right after creating it) → continues', async () => {
    const { file } = await writeLog(2);
    fs.writeFileSync(`${file}.head`, '');
    assert.equal(await reopen(file), undefined);
    assert.equal(readHead(`${file}.head`).count, 3);
  });
});
