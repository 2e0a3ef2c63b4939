/**
 * Checks, on disk and in the audit log, that every run's intended effects were applied and
 * none twice (see fault-fixture.ts for what each tool call does). Returns the counts for the
 * test to print; throws an AssertionError on any loss or duplicate.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import type { ActionSummary } from '../../src/workflows/types';

/** One finished run. */
export interface FinishedRun {
  readonly id: string;
  readonly output: string;
  readonly actions: readonly ActionSummary[];
}

/** What the checks found. */
export interface EffectReport {
  readonly runs: number;
  readonly toolCalls: number;
  readonly auditRecords: number;
  /** Writes executed again by a retry (same idempotency key, same content: harmless, counted). */
  readonly rewrites: number;
  /** Ledger appends whose outcome was UNKNOWN after a retry (never run twice; 0 or 1 line). */
  readonly unknownAppends: number;
  /** Of those, how many had been applied by the killed attempt. */
  readonly unknownApplied: number;
  /**
   * Writes whose killed attempt applied them before its audit append: the retry found the
   * target as the write leaves it and recorded `Reversible.AlreadyApplied` (nothing ran again).
   */
  readonly alreadyApplied: number;
}

type Rec = { status: string; action: string; idempotency_key?: string; code?: string };

/** Asserts exactly-once (writes) and at-most-once (appends) on disk; asserts the audit log verifies and covers every action. */
export async function checkEffects(workspace: string, logPath: string, runs: readonly FinishedRun[], calls: number): Promise<EffectReport> {
  const ledger = fs.existsSync(path.join(workspace, 'output', 'ledger.txt')) ? fs.readFileSync(path.join(workspace, 'output', 'ledger.txt'), 'utf8') : '';
  const lineCount = new Map<string, number>();
  for (const line of ledger.split('\n').filter(Boolean)) lineCount.set(line, (lineCount.get(line) ?? 0) + 1);
  const duplicates = [...lineCount].filter(([, n]) => n > 1);
  assert.deepEqual(duplicates, [], 'a ledger line was appended twice: an at-most-once action ran twice');

  const verified = await verifyAuditLog(logPath);
  assert.equal(verified.ok, true, `audit log: ${JSON.stringify(verified.problems.slice(0, 3))}`);
  const records = fs
    .readFileSync(logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
  const okByKey = new Map<string, number>();
  for (const r of records) if (r.status === 'OK' && r.idempotency_key) okByKey.set(r.idempotency_key, (okByKey.get(r.idempotency_key) ?? 0) + 1);
  const unknownKeys = new Set(records.filter((r) => r.status === 'UNKNOWN' && r.idempotency_key).map((r) => r.idempotency_key as string));
  const alreadyAppliedKeys = new Set(
    records.filter((r) => r.code === 'Reversible.AlreadyApplied' && r.idempotency_key).map((r) => r.idempotency_key as string),
  );

  let rewrites = 0;
  let unknownAppends = 0;
  let unknownApplied = 0;
  let alreadyApplied = 0;
  for (const run of runs) {
    assert.equal(run.output, 'done', `run ${run.id} did not finish`);
    assert.equal(run.actions.length, calls, `run ${run.id}: ${run.actions.length} of ${calls} actions`);
    run.actions.forEach((a, k) => {
      const key = a.idempotencyKey ?? '';
      if (k % 2 === 0) {
        assert.equal(a.status, 'OK', `run ${run.id} write ${k}: ${a.status} ${a.reason ?? ''}`);
        assert.equal(fs.readFileSync(path.join(workspace, 'output', run.id, `${k}.txt`), 'utf8'), `${run.id}:${k}`);
        const n = okByKey.get(key) ?? 0;
        // A kill -9 between the write and its audit append leaves no OK record for that attempt;
        // the retry (the worker's reversible layer) finds the target already as the write leaves
        // it, runs nothing and records Reversible.AlreadyApplied for the same key.
        if (n === 0) {
          assert.ok(alreadyAppliedKeys.has(key), `run ${run.id} write ${k}: applied without an OK or a Reversible.AlreadyApplied audit record`);
          alreadyApplied++;
        }
        rewrites += Math.max(0, n - 1);
      } else {
        const lines = lineCount.get(`${run.id}:${k}`) ?? 0;
        const okRecords = okByKey.get(key) ?? 0;
        assert.ok(okRecords <= 1, `run ${run.id} append ${k}: executed ${okRecords} times`);
        // A kill -9 between the effect and its audit append leaves no OK record for that
        // attempt; the retry then records UNKNOWN for the same key, so the audit still
        // accounts for the action (its outcome is honestly unknown to the kernel).
        if (lines === 1 && okRecords === 0) {
          assert.ok(unknownKeys.has(key), `run ${run.id} append ${k}: applied, but neither an OK nor an UNKNOWN audit record`);
        } else {
          assert.equal(lines, okRecords, `run ${run.id} append ${k}: ${lines} ledger lines but ${okRecords} OK audit records`);
        }
        if (a.status === 'OK') assert.equal(lines, 1, `run ${run.id} append ${k}: OK but ${lines} lines`);
        else {
          assert.equal(a.status, 'UNKNOWN', `run ${run.id} append ${k}: ${a.status} ${a.reason ?? ''}`);
          unknownAppends++;
          unknownApplied += lines;
        }
      }
    });
  }
  const expectedFiles = runs.length * Math.ceil(calls / 2);
  const files = runs.reduce(
    (n, r) =>
      n +
      (fs.existsSync(path.join(workspace, 'output', r.id)) ? fs.readdirSync(path.join(workspace, 'output', r.id)).filter((f) => f.endsWith('.txt')).length : 0),
    0,
  );
  assert.equal(files, expectedFiles, 'files written that no run intended');
  return { runs: runs.length, toolCalls: runs.length * calls, auditRecords: records.length, rewrites, unknownAppends, unknownApplied, alreadyApplied };
}
