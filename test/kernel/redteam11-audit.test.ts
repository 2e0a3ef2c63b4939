/**
 * redteam11-audit: `audit verify` must refuse a log whose bytes are not the ones that were
 * hashed. A record holding U+FFFD (the replacement character, e.g. from a file name the agent
 * chose) could have its three bytes replaced by any invalid UTF-8 byte: the line decoded to the
 * same text, so its hash and canonical form still matched and the edited log verified.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog } from '../../src/kernel/audit-log';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { tempDir } from './kernel-helpers';

const entry = (target: string) => ({
  timestamp: '2026-12-02T04:00:00.000Z',
  action: 'fs.read',
  target,
  status: 'DENIED' as const,
  duration_ms: 0,
  policy_hash: 'p',
  params_hash: 'x',
});

describe('redteam11-audit: audit verify and the bytes on disk', () => {
  test("audit verify: a record's bytes swapped for invalid UTF-8 that decodes to the same text → BROKEN, naming the line", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'kernel.log');
    const log = AuditLog.open(file);
    log.appendSync(entry('/workspace/a\uFFFDb'));
    log.appendSync(entry('/workspace/c'));
    await log.close();
    assert.equal((await verifyAuditLog(file)).ok, true);

    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf(Buffer.from('\uFFFD', 'utf8'));
    for (const forged of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80]]) {
      fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), Buffer.from(forged), bytes.subarray(at + 3)]));
      const result = await verifyAuditLog(file);
      assert.equal(result.ok, false, `bytes ${JSON.stringify(forged)} in place of U+FFFD must not verify`);
      assert.equal(result.problems[0]?.line, 1);
      assert.match(result.problems[0]?.message ?? '', /UTF-8/);
    }
  });
});

describe('redteam11-audit: one process, one log, two spellings of its path', () => {
  test('AuditLog.open: the same log opened as dir/kernel.log and dir/./kernel.log (or through a symlinked folder) → two segments, never one file written by two chains', async () => {
    const dir = tempDir();
    fs.symlinkSync(dir, path.join(dir, 'link'));
    const spellings = [path.join(dir, 'kernel.log'), `${dir}/./kernel.log`, path.join(dir, 'link', 'kernel.log')];
    const logs = spellings.map((file) => AuditLog.open(file));
    try {
      assert.equal(new Set(logs.map((l) => fs.realpathSync(l.file!))).size, 3, `three distinct files: ${logs.map((l) => l.file).join(', ')}`);
      for (const [i, log] of logs.entries()) log.appendSync(entry(`/workspace/${i}`));
      for (const [i, log] of logs.entries()) log.appendSync(entry(`/workspace/${i}-again`));
    } finally {
      for (const log of logs) await log.close();
    }
    const result = await verifyAuditLog(spellings[0]!);
    assert.deepEqual(result.problems, []);
    assert.equal(result.records, 6);
  });
});
