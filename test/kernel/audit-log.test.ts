import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog } from '../../src/kernel/audit-log';
import { computeRecordHash, hashParams } from '../../src/kernel/audit-record';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { repoRoot } from '../helpers/paths';
import { auditEntry, tempDir } from './kernel-helpers';

async function writeLog(records: number): Promise<{ file: string; lines: string[] }> {
  const file = path.join(tempDir(), 'audit.log');
  const log = AuditLog.open(file);
  for (let i = 0; i < records; i++) await log.append(auditEntry(i, 'fs.read'));
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

describe('audit log', () => {
  test('hashParams: same params in any key order → same hash; different params → different hash', () => {
    assert.equal(hashParams({ a: 1, b: { c: 2, d: 3 } }), hashParams({ b: { d: 3, c: 2 }, a: 1 }));
    assert.notEqual(hashParams({ content: 'x' }), hashParams({ content: 'y' }));
    assert.equal(hashParams(undefined), hashParams({}));
  });

  test('AuditLog.append: records carry seq, prev = previous hash, and a hash of their own content', async () => {
    const { lines } = await writeLog(3);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => r['seq']),
      [1, 2, 3],
    );
    assert.equal(records[0]?.['prev'], '0'.repeat(64));
    assert.equal(records[2]?.['prev'], records[1]?.['hash']);
    for (const r of records) assert.equal(computeRecordHash(r), r['hash']);
  });

  test('AuditLog.append: records never contain params or contents, only params_hash', async () => {
    const { lines } = await writeLog(1);
    assert.ok(!lines[0]?.includes('"params"'));
    assert.match(lines[0] ?? '', /"params_hash":"[0-9a-f]{64}"/);
  });

  test('verifyAuditLog: intact log → ok with record count and last hash', async () => {
    const { file, lines } = await writeLog(5);
    const result = await verifyAuditLog(file);
    assert.deepEqual([result.ok, result.records, result.problems.length], [true, 5, 0]);
    assert.equal(result.lastHash, (JSON.parse(lines[4] ?? '{}') as { hash: string }).hash);
  });

  test('verifyAuditLog: edited record → problem on that line', async () => {
    const { file, lines } = await writeLog(4);
    lines[1] = (lines[1] ?? '').replace('"status":"OK"', '"status":"DENIED"');
    rewrite(file, lines);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.seq]),
      [[2, 2]],
    );
  });

  test("verifyAuditLog: edited record with recomputed hash → the next record's prev no longer matches", async () => {
    const { file, lines } = await writeLog(3);
    const forged = JSON.parse(lines[1] ?? '{}') as Record<string, unknown>;
    forged['target'] = '/workspace/innocent.txt';
    forged['hash'] = computeRecordHash(forged);
    lines[1] = JSON.stringify(forged);
    rewrite(file, lines);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.equal(result.problems[0]?.line, 3);
  });

  test('verifyAuditLog: removed record → problem where the chain breaks', async () => {
    const { file, lines } = await writeLog(4);
    rewrite(file, [lines[0], lines[1], lines[3]] as string[]);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    // The chain breaks on line 3; the head beside the log also sees a record missing.
    assert.ok(result.problems.filter((p) => p.file !== undefined).every((p) => p.line === 3));
  });

  test('verifyAuditLog: removed first record → problem on line 1', async () => {
    const { file, lines } = await writeLog(3);
    rewrite(file, lines.slice(1));
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.equal(result.problems[0]?.line, 1);
  });

  test('verifyAuditLog: reordered records → problems', async () => {
    const { file, lines } = await writeLog(4);
    rewrite(file, [lines[0], lines[2], lines[1], lines[3]] as string[]);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.ok(result.problems.some((p) => p.line === 2));
  });

  test('verifyAuditLog: record cut in the middle of the file → "not a JSON record" problem', async () => {
    const { file, lines } = await writeLog(3);
    lines[1] = (lines[1] ?? '').slice(0, 40);
    rewrite(file, lines);
    const result = await verifyAuditLog(file);
    assert.equal(result.ok, false);
    assert.match(result.problems[0]?.message ?? '', /not a JSON record/);
    assert.equal(result.problems[0]?.line, 2);
  });

  test('verifyAuditLog: missing file → rejects', async () => {
    await assert.rejects(verifyAuditLog(path.join(tempDir(), 'none.log')), { code: 'ENOENT' });
  });
});

describe('agent-os audit verify', () => {
  // main.ts also wires commands other engineers own; run the audit group on a program of its own.
  const script = `const { Command } = require('commander');
const { registerAuditCommand } = require(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'cli', 'audit.js'))});
const program = new Command('agent-os').exitOverride();
registerAuditCommand(program);
program.parseAsync(process.argv.slice(1), { from: 'user' }).catch((e) => { process.exitCode = String(e.code).startsWith('commander.') ? 2 : 1; });
`;
  const run = (...args: string[]) => spawnSync(process.execPath, ['-e', script, '--', 'audit', 'verify', ...args], { encoding: 'utf8', cwd: repoRoot });

  test('audit verify: intact log → exit 0 and "OK"', async () => {
    const { file } = await writeLog(2);
    const out = run(file);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /OK, 2 record\(s\)/);
  });

  test('audit verify: tampered log → exit 1 naming the line', async () => {
    const { file, lines } = await writeLog(2);
    rewrite(file, [(lines[0] ?? '').replace('fs.read', 'fs.list'), lines[1] ?? '']);
    const out = run(file);
    assert.equal(out.status, 1);
    assert.match(out.stdout, /:1: \[seq 1\] content does not match its hash/);
  });

  test('audit verify --json: tampered log → exit 1 and JSON with problems', async () => {
    const { file, lines } = await writeLog(2);
    rewrite(file, [lines[1] ?? '']);
    const out = run(file, '--json');
    assert.equal(out.status, 1);
    const parsed = JSON.parse(out.stdout) as { ok: boolean; problems: unknown[] };
    assert.equal(parsed.ok, false);
    assert.ok(parsed.problems.length > 0);
  });

  test('agent-os audit verify (dist/src/cli/main.js): tampered log → exit 1; intact → exit 0', async () => {
    const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const { file, lines } = await writeLog(3);
    const intact = spawnSync(process.execPath, [main, 'audit', 'verify', file], { encoding: 'utf8' });
    rewrite(file, [lines[0], lines[2]] as string[]);
    const broken = spawnSync(process.execPath, [main, 'audit', 'verify', file], { encoding: 'utf8' });
    assert.deepEqual([intact.status, broken.status], [0, 1], intact.stderr + broken.stderr);
  });

  test('audit verify: missing file → exit 2', () => {
    const out = run(path.join(tempDir(), 'none.log'));
    assert.equal(out.status, 2);
    assert.match(out.stderr, /no such file/);
  });

  test('audit verify: no FILE argument → exit 2 (usage)', () => {
    const out = run();
    assert.equal(out.status, 2);
  });
});
