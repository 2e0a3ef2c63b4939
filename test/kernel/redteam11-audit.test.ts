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
import { Kernel } from '../../src/kernel/kernel';
import { SpyProvider, tempDir, writePolicy } from './kernel-helpers';

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

describe('redteam11-audit: an action that ran when its record cannot be written', () => {
  test('Kernel.submit: the provider ran (the effect happened), then the audit write fails → the answer says it ran (its status and data) with Kernel.AuditFailed, never a plain ERROR as if nothing ran', async () => {
    const dir = tempDir();
    const effects: string[] = [];
    const kernelRef: { audit?: { fd?: number } } = {};
    // The disk fails right after the provider's effect (simulated: the log's descriptor is closed under it).
    const spy = new SpyProvider('kv', ['kv.put'], async (request) => {
      effects.push(request.canonicalTarget);
      const fd = kernelRef.audit?.fd;
      if (fd !== undefined) fs.closeSync(fd);
      return 'stored';
    });
    const kernel = new Kernel({
      policy: writePolicy(dir, 'capabilities:\n  - action: kv.put\n    resource: "**"\n'),
      providers: [spy],
      logPath: path.join(dir, 'kernel.log'),
    });
    Object.assign(kernelRef, { audit: (kernel as unknown as { audit: { fd?: number } }).audit });
    const first = await kernel.submit({ action: 'kv.put', target: 'a' });
    const second = await kernel.submit({ action: 'kv.put', target: 'b' });
    await kernel.close().catch(() => undefined);
    assert.deepEqual(effects, ['a'], 'the first ran; the second never reached the provider');
    assert.equal(first.code, 'Kernel.AuditFailed');
    assert.equal(first.status, 'OK', `the effect happened: ${JSON.stringify(first)}`);
    assert.equal(first.data, 'stored');
    assert.match(first.error ?? '', /ran/);
    assert.equal(second.status, 'ERROR');
    assert.equal(second.code, 'Kernel.AuditFailed');
  });
});
