import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { RecordState, type RecordManifest } from '../../src/reversible/record';
import { recordIdFor } from '../../src/reversible/record-id';
import { readLog, tempDir } from '../kernel/kernel-helpers';
import { BINARY, blobCount, host, makeEnv, open } from './helpers';

const HOUR = 3600 * 1000;

function manifest(key: string, blobs: string[], updatedAt: string): RecordManifest {
  return {
    version: 1,
    recordId: recordIdFor(key),
    idempotencyKey: key,
    state: RecordState.Applied,
    strategy: 'fs.write-snapshot',
    action: 'fs.write',
    target: '/workspace/output/a.txt',
    paramsHash: 'h',
    createdAt: updatedAt,
    updatedAt,
    snapshot: { before: { kind: 'file' }, after: { kind: 'file' }, blobs },
  };
}

describe('SnapshotStore', () => {
  test('SnapshotStore.putBlob: the same bytes twice → one blob file, same digest; getBlob returns them exactly', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const a = await store.putBlob(BINARY);
    const b = await store.putBlob(Buffer.from(BINARY));
    assert.equal(a, b);
    assert.equal(blobCount(store.dir), 1);
    assert.ok((await store.getBlob(a)).equals(BINARY));
    assert.equal(fs.statSync(store.dir).mode & 0o777, 0o700);
  });

  test('SnapshotStore.getBlob: a damaged blob → Reversible.StoreCorrupt, never the wrong bytes', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const digest = await store.putBlob(Buffer.from('original'));
    fs.writeFileSync(path.join(store.dir, 'blobs', digest.slice(0, 2), digest), 'tampered');
    await assert.rejects(store.getBlob(digest), { code: 'Reversible.StoreCorrupt' });
  });

  test('SnapshotStore.sweep: expired record → removed with the blob only it used; live record and its blob kept', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { ttl: HOUR });
    const shared = await store.putBlob(Buffer.from('shared'));
    const onlyOld = await store.putBlob(Buffer.from('only old'));
    const now = Date.now();
    const twoHoursAgo = new Date(now - 2 * HOUR);
    for (const d of [shared, onlyOld]) fs.utimesSync(path.join(store.dir, 'blobs', d.slice(0, 2), d), twoHoursAgo, twoHoursAgo);
    await store.writeRecord(manifest('old', [shared, onlyOld], twoHoursAgo.toISOString()));
    await store.writeRecord(manifest('live', [shared], new Date(now).toISOString()));
    const swept = await store.sweep({ now });
    assert.deepEqual(swept, { records: 1, blobs: 1 });
    assert.equal(await store.readRecord(recordIdFor('old')), undefined);
    assert.equal((await store.readRecord(recordIdFor('live')))?.state, 'applied');
    assert.equal((await store.getBlob(shared)).toString(), 'shared');
    await assert.rejects(store.getBlob(onlyOld), { code: 'Reversible.StoreCorrupt' });
  });

  test('SnapshotStore.sweep: a fresh unreferenced blob (its record not written yet) → kept', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { ttl: HOUR });
    await store.putBlob(Buffer.from('in flight'));
    assert.deepEqual(await store.sweep(), { records: 0, blobs: 0 });
    assert.equal(blobCount(store.dir), 1);
  });

  test('SnapshotStore.readRecord: a manifest that is not JSON → Reversible.StoreCorrupt', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    await store.writeRecord(manifest('x', [], new Date().toISOString()));
    fs.writeFileSync(path.join(store.dir, 'records', `${recordIdFor('x')}.json`), '{"version":');
    await assert.rejects(store.readRecord(recordIdFor('x')), { code: 'Reversible.StoreCorrupt' });
  });

  test('SnapshotStore.sweep with maxRecords: oldest settled records beyond the limit → removed, and their blobs once older than the ttl; in-flight ones kept', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { ttl: HOUR, maxRecords: 2 });
    const now = Date.now();
    const at = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
    const blobs = [];
    for (let i = 0; i < 4; i++) blobs.push(await store.putBlob(Buffer.from(`content ${i}`)));
    const twoHoursAgo = new Date(now - 2 * HOUR);
    for (const d of blobs) fs.utimesSync(path.join(store.dir, 'blobs', d.slice(0, 2), d), twoHoursAgo, twoHoursAgo);
    await store.writeRecord(manifest('oldest', [blobs[0]!], at(40)));
    await store.writeRecord(manifest('older', [blobs[1]!], at(30)));
    await store.writeRecord({ ...manifest('in-flight', [], at(50)), state: RecordState.Pending });
    await store.writeRecord(manifest('newer', [blobs[2]!], at(20)));
    await store.writeRecord(manifest('newest', [blobs[3]!], at(10)));
    const swept = await store.sweep({ now });
    assert.deepEqual(swept, { records: 2, blobs: 2 });
    const left = (await store.listRecords()).map((m) => m.idempotencyKey).sort();
    assert.deepEqual(left, ['in-flight', 'newer', 'newest']);
    assert.equal(blobCount(store.dir), 2);
  });

  test("SnapshotStore.writeRecord: registered → the first line of the record's file; torn by a crash → reads as never started; the next state is appended and counts", async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const now = new Date().toISOString();
    const registered: RecordManifest = { ...manifest('m', [], now), state: RecordState.Registered };
    await store.writeRecord(registered);
    const id = registered.recordId;
    const records = path.join(store.dir, 'records');
    const file = path.join(records, `${id}.json`);
    assert.deepEqual(fs.readdirSync(records), [`${id}.json`]);
    assert.equal((await store.readRecord(id))?.state, 'registered');
    assert.deepEqual(
      (await store.listRecords()).map((m) => m.state),
      ['registered'],
    );
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 30)); // what a power cut can leave of an unsynced append
    assert.equal(await store.readRecord(id), undefined);
    assert.deepEqual(await store.listRecords(), []);
    await store.writeRecord({ ...registered, state: RecordState.Revoked });
    assert.equal((await store.readRecord(id))?.state, 'revoked');
    assert.deepEqual(fs.readdirSync(records), [`${id}.json`]);
  });

  test("SnapshotStore.writeRecord: a record's states are lines of one file, the furthest along counts (a late registered line does not hide applied); a registered line with a later createdAt (a second first attempt that found no record) does not start a new record", async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const now = new Date().toISOString();
    const pending: RecordManifest = { ...manifest('p', [], now), state: RecordState.Pending };
    const id = pending.recordId;
    await store.writeRecord({ ...pending, state: RecordState.Registered });
    await store.writeRecord(pending);
    await store.writeRecord({ ...pending, state: RecordState.Applied }, { durable: false });
    await store.writeRecord({ ...pending, state: RecordState.Registered });
    const file = path.join(store.dir, 'records', `${id}.json`);
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as RecordManifest).state),
      ['registered', 'pending', 'applied', 'registered'],
    );
    assert.equal((await new SnapshotStore(store.dir).readRecord(id))?.state, 'applied');
    await store.writeRecord({ ...pending, state: RecordState.RolledBack }, { durable: false });
    assert.equal((await store.readRecord(id))?.state, 'rolled-back');
    const later = new Date(Date.parse(now) + 1000).toISOString();
    await store.writeRecord({ ...pending, state: RecordState.Registered, createdAt: later, updatedAt: later });
    assert.deepEqual([(await store.readRecord(id))?.state, (await store.readRecord(id))?.createdAt], ['rolled-back', now]);
  });

  test('SnapshotStore: a worker of an earlier version (it reads records/<id>.json as one JSON document) → a record of one state reads as that state; one further along is not JSON (a loud error there, never an unknown record a saga would skip)', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const now = new Date().toISOString();
    const pending: RecordManifest = { ...manifest('old-reader', [], now), state: RecordState.Pending };
    const file = path.join(store.dir, 'records', `${pending.recordId}.json`);
    await store.writeRecord({ ...pending, state: RecordState.Registered });
    assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as RecordManifest).state, 'registered');
    await store.writeRecord(pending);
    assert.throws(() => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown, SyntaxError);
  });

  test("SnapshotStore: a store written by an earlier version (a .json manifest, a .registered marker, rolled-back.log) → both records read, a new state of the manifest's record counts, sweep removes the expired marker and the old log", async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { ttl: 60_000 });
    const records = path.join(store.dir, 'records');
    fs.mkdirSync(records, { recursive: true });
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 120_000).toISOString();
    const applied = manifest('legacy-applied', [], now);
    const registered: RecordManifest = { ...manifest('legacy-registered', [], old), state: RecordState.Registered };
    fs.writeFileSync(path.join(records, `${applied.recordId}.json`), JSON.stringify(applied, null, 2));
    const marker = path.join(records, `${registered.recordId}.registered`);
    fs.writeFileSync(marker, JSON.stringify(registered));
    const oldLog = path.join(records, 'rolled-back.log');
    fs.writeFileSync(oldLog, `\n${JSON.stringify({ ...applied, state: RecordState.RolledBack })}\n`);
    fs.utimesSync(oldLog, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    assert.equal((await store.readRecord(applied.recordId))?.state, 'rolled-back'); // its line in the old log counts
    assert.equal((await store.readRecord(registered.recordId))?.state, 'registered');
    assert.deepEqual((await store.listRecords()).map((m) => m.recordId).sort(), [applied.recordId, registered.recordId].sort());
    await store.writeRecord({ ...applied, state: RecordState.RolledBack }, { durable: false });
    assert.equal((await store.readRecord(applied.recordId))?.state, 'rolled-back');
    assert.deepEqual(await store.sweep(), { records: 1, blobs: 0 });
    assert.deepEqual(fs.readdirSync(records), [`${applied.recordId}.json`]);
    assert.equal(await store.readRecord(registered.recordId), undefined);
  });

  test("SnapshotStore({ durability: 'os' }): records and blobs round-trip; an unknown durability → RangeError", async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { durability: 'os' });
    const digest = await store.putBlob(BINARY);
    assert.ok((await store.getBlob(digest)).equals(BINARY));
    await store.writeRecord(manifest('os', [digest], new Date().toISOString()));
    assert.equal((await store.readRecord(recordIdFor('os')))?.state, 'applied');
    assert.throws(() => new SnapshotStore('s', { durability: 'fast' as never }), RangeError);
  });

  test('SnapshotStore: maxRecords that is not a whole number ≥ 0 → RangeError', () => {
    assert.throws(() => new SnapshotStore('s', { maxRecords: -1 }), RangeError);
    assert.throws(() => new SnapshotStore('s', { maxRecords: 1.5 }), RangeError);
  });

  test('SnapshotStore: ttl that is not positive → RangeError', () => {
    assert.throws(() => new SnapshotStore('s', { ttl: 0 }), RangeError);
  });

  test('ReversibleActionLayer.rollback: record older than the ttl → ERROR Reversible.Expired, file not touched', async () => {
    const env = makeEnv();
    const { kernel, layer, store } = open(env, { ttl: HOUR });
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/e.txt', params: { content: 'e' } });
    await layer.record(result.recordId as string); // the layer's own write of `applied` has landed
    const m = (await store.readRecord(result.recordId as string)) as RecordManifest;
    await store.writeRecord({ ...m, updatedAt: new Date(Date.now() - 2 * HOUR).toISOString() });
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.deepEqual([undo.status, undo.code], ['ERROR', 'Reversible.Expired']);
    assert.equal(fs.readFileSync(host(env, '/workspace/output/e.txt'), 'utf8'), 'e');
    // Red team 12: the failed undo is in the kernel's audit log too (one record, with undo_of), not only in the caller's answer.
    const undos = readLog(env.logPath).filter((r) => r['undo_of'] === result.recordId);
    assert.deepEqual(
      undos.map((r) => [r['status'], r['code'], r['hash']]),
      [['ERROR', 'Reversible.Expired', undo.auditRecordId]],
    );
  });
});
