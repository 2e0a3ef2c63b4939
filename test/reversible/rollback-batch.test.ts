import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { readLog } from '../kernel/kernel-helpers';
import { fileFacts, host, makeEnv, open, type Env } from './helpers';

/** The file of record `id` in the store. */
const statesFile = (env: Env, id: string): string => path.join(env.storeDir, 'records', `${id}.json`);

/** Writes `content` to each file through the layer (files exist with `prior-<name>` first); returns record ids in order. */
async function writeAll(env: Env, layer: ReturnType<typeof open>['layer'], writes: [string, string][]): Promise<string[]> {
  const ids: string[] = [];
  for (const [name, content] of writes) {
    const file = host(env, `/workspace/output/${name}`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, `prior-${name}`);
    const r = await layer.submit({ action: 'fs.write', target: `/workspace/output/${name}`, params: { content } });
    assert.equal(r.status, 'OK');
    ids.push(r.recordId as string);
  }
  return ids;
}

const read = (env: Env, name: string): string => fs.readFileSync(host(env, `/workspace/output/${name}`), 'utf8');

describe('ReversibleActionLayer.rollbackMany', () => {
  test('rollbackMany: 20 files and two writes to one file, newest first → every file back to its prior bytes, results in the order given, one audit record per undo, log verified', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const names = Array.from({ length: 20 }, (_, i) => `f${i}.txt`);
    const ids = await writeAll(env, layer, [...names.map((n): [string, string] => [n, `new-${n}`]), ['f0.txt', 'newer-f0']]);
    const before = readLog(env.logPath).length;
    const batch = [...ids].reverse();
    const results = await layer.rollbackMany(batch);
    await kernel.close();
    assert.deepEqual(
      results.map((r) => [r.recordId, r.status]),
      batch.map((id) => [id, 'OK']),
    );
    for (const n of names) assert.equal(read(env, n), `prior-${n}`);
    const undos = readLog(env.logPath).slice(before);
    assert.equal(undos.length, batch.length);
    assert.deepEqual(new Set(undos.map((r) => r['undo_of'])), new Set(batch));
    assert.deepEqual(new Set(results.map((r) => r.auditRecordId)), new Set(undos.map((r) => r['hash'])));
    assert.equal((await verifyAuditLog(env.logPath)).ok, true);
  });

  test('rollbackMany: the same batch again → every record NOOP "already rolled back", files and audit log untouched', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const ids = await writeAll(env, layer, [
      ['a.txt', 'A'],
      ['b.txt', 'B'],
    ]);
    await layer.rollbackMany(ids);
    const facts = [fileFacts(host(env, '/workspace/output/a.txt')), fileFacts(host(env, '/workspace/output/b.txt'))];
    const audit = readLog(env.logPath).length;
    const again = await layer.rollbackMany(ids);
    await kernel.close();
    assert.deepEqual(
      again.map((r) => [r.status, r.reason]),
      [
        ['NOOP', 'already rolled back'],
        ['NOOP', 'already rolled back'],
      ],
    );
    assert.deepEqual([fileFacts(host(env, '/workspace/output/a.txt')), fileFacts(host(env, '/workspace/output/b.txt'))], facts);
    assert.equal(readLog(env.logPath).length, audit);
  });

  test('rollbackMany: unknown id among known ones → that one ERROR Reversible.UnknownRecord, the others OK', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const ids = await writeAll(env, layer, [['a.txt', 'A']]);
    const results = await layer.rollbackMany(['0'.repeat(32), ...ids]);
    await kernel.close();
    assert.deepEqual(
      results.map((r) => [r.status, r.code]),
      [
        ['ERROR', 'Reversible.UnknownRecord'],
        ['OK', undefined],
      ],
    );
    assert.equal(read(env, 'a.txt'), 'prior-a.txt');
  });

  test('rollbackMany: crash after some restores, before any rolled-back state was kept (those lines lost) → the retried batch restores the rest, NOOP for the restored, none restored twice', async () => {
    const env = makeEnv();
    const first = open(env);
    const ids = await writeAll(env, first.layer, [
      ['a.txt', 'A'],
      ['b.txt', 'B'],
      ['c.txt', 'C'],
    ]);
    assert.equal((await first.layer.rollback(ids[0] as string)).status, 'OK');
    assert.equal((await first.layer.rollback(ids[1] as string)).status, 'OK');
    await first.kernel.close();
    for (const id of ids) {
      const text = fs.readFileSync(statesFile(env, id), 'utf8');
      const cut = text.indexOf('"state":"rolled-back"');
      if (cut >= 0) fs.writeFileSync(statesFile(env, id), text.slice(0, cut)); // the crash lost the rolled-back lines (one torn)
    }
    const second = open(env);
    const results = await second.layer.rollbackMany(ids);
    await second.kernel.close();
    assert.deepEqual(
      results.map((r) => r.status),
      ['NOOP', 'NOOP', 'OK'],
    );
    assert.deepEqual(
      results.map((r) => r.reason),
      ['the target is already in its prior state', 'the target is already in its prior state', undefined],
    );
    assert.deepEqual(
      ['a.txt', 'b.txt', 'c.txt'].map((n) => read(env, n)),
      ['prior-a.txt', 'prior-b.txt', 'prior-c.txt'],
    );
  });

  test('rollbackMany: crash tore the last line of one record file → that record reads as applied again, its retry NOOP; the other stays rolled back; the snapshots are intact', async () => {
    const env = makeEnv();
    const first = open(env);
    const ids = await writeAll(env, first.layer, [
      ['a.txt', 'A'],
      ['b.txt', 'B'],
    ]);
    await first.layer.rollbackMany(ids);
    await first.kernel.close();
    const file = statesFile(env, ids[0] as string);
    const text = fs.readFileSync(file);
    fs.writeFileSync(file, text.subarray(0, text.length - 40)); // a torn append
    const second = open(env);
    const states = (await second.layer.records()).map((r) => r.state);
    fs.writeFileSync(file, '\n{"torn', { flag: 'a' }); // and garbage after it: later lines still count
    const again = await second.layer.rollbackMany(ids);
    await second.kernel.close();
    assert.deepEqual([...states].sort(), ['applied', 'rolled-back']);
    assert.deepEqual(
      again.map((r) => r.reason),
      ['the target is already in its prior state', 'already rolled back'],
    );
    assert.deepEqual(
      ['a.txt', 'b.txt'].map((n) => read(env, n)),
      ['prior-a.txt', 'prior-b.txt'],
    );
  });
});
