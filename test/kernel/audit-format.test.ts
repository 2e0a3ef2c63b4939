import { describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog } from '../../src/kernel/audit-log';
import { AUDIT_FORMAT_VERSION, hashParams, type AuditEntry } from '../../src/kernel/audit-record';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { Kernel } from '../../src/kernel/kernel';
import { repoRoot } from '../helpers/paths';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

const V0_FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'audit-logs', 'v0-unversioned.jsonl');
const V1_FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'audit-logs', 'v1.jsonl');

function entry(i: number, status: 'OK' | 'DENIED' = 'OK'): AuditEntry {
  return {
    timestamp: new Date(0).toISOString(),
    action: 'fs.read',
    target: i === 1 ? '/etc/passwd' : `/workspace/${i}.txt`,
    status,
    ...(status === 'DENIED' ? { error: 'not permitted', code: 'Policy.Denied', reason: 'no capability allows fs.read on /etc/passwd' } : {}),
    duration_ms: 1,
    policy_hash: 'p'.repeat(64),
    params_hash: hashParams({ i }),
  };
}

/** A fresh copy of a log whose second record is a DENIED read of /etc/passwd. */
async function writeLog(records = 3): Promise<{ file: string; lines: string[] }> {
  const dir = tempDir();
  const file = path.join(dir, 'audit.log');
  const log = AuditLog.open(file, { noHead: true });
  for (let i = 0; i < records; i++) await log.append(entry(i, i === 1 ? 'DENIED' : 'OK'));
  await log.close();
  return {
    file,
    lines: fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

function rewrite(file: string, lines: readonly string[]): void {
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

/** The fixtures are append-only history: their bytes never change. */
const PINNED: Readonly<Record<string, string>> = {
  [V0_FIXTURE]: 'f763f592f712c9f8177bb0855d3ec008d704e32d64f21df5884f6f6b2599e29e',
  [V1_FIXTURE]: 'fe52dcde12716ae4bef4601a1930b9f35a0f645c93c7e19862d2082637a1042a',
};

describe('audit record format', () => {
  test('audit-log fixtures: bytes unchanged since they were written', () => {
    for (const [file, sum] of Object.entries(PINNED)) assert.equal(createHash('sha256').update(fs.readFileSync(file)).digest('hex'), sum, file);
  });

  test('AuditLog.append: every record carries the format version as its first key', async () => {
    const { lines } = await writeLog(2);
    for (const line of lines) assert.ok(line.startsWith(`{"v":${AUDIT_FORMAT_VERSION},"timestamp":`), line);
  });

  test('verifyAuditLog: log written by the previous release (v0 fixture, no "v") → still verifies', async () => {
    const result = await verifyAuditLog(V0_FIXTURE);
    assert.deepEqual([result.ok, result.records, result.problems], [true, 12, []]);
  });

  test('verifyAuditLog: log written by this release (v1 fixture) → verifies (kept so later formats keep accepting it)', async () => {
    const result = await verifyAuditLog(V1_FIXTURE);
    assert.deepEqual([result.ok, result.records, result.problems], [true, 12, []]);
  });

  test('Kernel: a v0 log is continued in the current format → the mixed log verifies; a v0 record after v1 ones → "format downgrade"', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    fs.copyFileSync(V0_FIXTURE, logPath);
    const kernel = new Kernel({ policy: writePolicy(dir, 'capabilities: []\n'), providers: [new SpyProvider('kv', ['kv.get'])], logPath });
    await kernel.submit({ action: 'kv.get', target: 'x' });
    await kernel.close();
    const records = readLog(logPath);
    assert.deepEqual([records.length, records[12]?.['v'], records[12]?.['seq'], records[12]?.['prev']], [13, AUDIT_FORMAT_VERSION, 13, records[11]?.['hash']]);
    assert.equal((await verifyAuditLog(logPath)).ok, true);
    // Move the first (v0) record's line to the end: besides the broken chain, the downgrade is named.
    const lines = fs
      .readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    rewrite(logPath, [...lines.slice(0, 12), lines[12]!, lines[11]!]);
    const broken = await verifyAuditLog(logPath);
    assert.ok(
      broken.problems.some((p) => p.line === 14 && /format downgrade/.test(p.message)),
      JSON.stringify(broken.problems),
    );
  });

  test('Kernel: a v1 log continued in v2 → verifies; exec_id on a v1 record → refused (v1 has no such field)', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    fs.copyFileSync(V1_FIXTURE, logPath);
    const kernel = new Kernel({ policy: writePolicy(dir, 'capabilities: []\n'), providers: [new SpyProvider('kv', ['kv.get'])], logPath });
    await kernel.submit({ action: 'kv.get', target: 'x' });
    await kernel.close();
    const records = readLog(logPath);
    assert.deepEqual([records.length, records[12]?.['v']], [13, 2]);
    assert.equal((await verifyAuditLog(logPath)).ok, true);
    const lines = fs
      .readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    lines[0] = lines[0]!.replace('"prev"', '"exec_id":"x","prev"');
    rewrite(logPath, lines);
    assert.equal((await verifyAuditLog(logPath)).ok, false);
  });

  test('verifyAuditLog: forged "status":"OK","action":"fs.read" keys put before a DENIED record\'s real keys → refused on that line', async () => {
    const { file, lines } = await writeLog(3);
    // JSON.parse keeps the LAST duplicate, so hash and chain still match; grep and first-key parsers see OK.
    lines[1] = lines[1]!.replace('{', '{"status":"OK","action":"fs.read","target":"/workspace/notes.txt",');
    rewrite(file, lines);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.seq]),
      [[2, 2]],
    );
    assert.match(result.problems[0]?.message ?? '', /not the canonical serialisation/);
  });

  test('verifyAuditLog: reordered keys, extra whitespace, a duplicate key → each refused with its line number', async () => {
    const { file, lines } = await writeLog(4);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    const { status, ...rest } = parsed;
    lines[0] = JSON.stringify({ status, ...rest }); // reordered
    lines[1] = lines[1]!.replace('","seq"', '", "seq"'); // whitespace
    lines[2] = lines[2]!.replace('"status":"OK"', '"status":"OK","status":"OK"'); // duplicate, same value
    lines[3] = `${lines[3]!} `; // trailing whitespace
    rewrite(file, lines);
    const result = await verifyAuditLog(file);
    const canonical = result.problems.filter((p) => /canonical/.test(p.message)).map((p) => p.line);
    assert.deepEqual(canonical, [1, 2, 3, 4]);
  });

  test('verifyAuditLog: unknown key or unknown format version → refused', async () => {
    const { file, lines } = await writeLog(2);
    lines[0] = lines[0]!.replace('"params_hash"', '"note":"x","params_hash"');
    lines[1] = lines[1]!.replace(`{"v":${AUDIT_FORMAT_VERSION},`, '{"v":99,');
    rewrite(file, lines);
    const result = await verifyAuditLog(file);
    assert.ok(result.problems.some((p) => p.line === 1 && /canonical/.test(p.message)));
    assert.ok(result.problems.some((p) => p.line === 2 && /unknown record format version 99/.test(p.message)));
  });

  test('verifyAuditLog: last line without its newline → "cut line"', async () => {
    const { file } = await writeLog(2);
    fs.truncateSync(file, fs.statSync(file).size - 1);
    const result = await verifyAuditLog(file);
    assert.ok(result.problems.some((p) => p.line === 2 && /no newline/.test(p.message)));
  });
});
