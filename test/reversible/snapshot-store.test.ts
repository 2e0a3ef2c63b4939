import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { RecordState, type RecordManifest } from '../../src/reversible/record';
import { recordIdFor } from '../../src/reversible/record-id';
import { STATE_LOG_NAME } from '../../src/reversible/state-log';
import { tempDir } from '../kernel/kernel-helpers';
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

  test('SnapshotStore.writeRecord: registered → a line of the state log, no file of its own; torn by a crash → reads as never started; the next state replaces it', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const now = new Date().toISOString();
    const registered: RecordManifest = { ...manifest('m', [], now), state: RecordState.Registered };
    await store.writeRecord(registered);
    const id = registered.recordId;
    const records = path.join(store.dir, 'records');
    assert.deepEqual(fs.readdirSync(records), [STATE_LOG_NAME]);
    assert.equal((await store.readRecord(id))?.state, 'registered');
    assert.deepEqual(
      (await store.listRecords()).map((m) => m.state),
      ['registered'],
    );
    const log = path.join(records, STATE_LOG_NAME);
    fs.writeFileSync(log, fs.readFileSync(log).subarray(0, 30)); // what a power cut can leave of an unsynced append
    const fresh = new SnapshotStore(store.dir);
    assert.equal(await fresh.readRecord(id), undefined);
    await fresh.writeRecord({ ...registered, state: RecordState.Revoked });
    assert.equal((await fresh.readRecord(id))?.state, 'revoked');
    assert.deepEqual(fs.readdirSync(records).sort(), [`${id}.json`, STATE_LOG_NAME]);
  });

  test('SnapshotStore: applied and rolled-back (not durable) → logged, later than the pending manifest; sweep folds them into the manifest and drops an expired registered line', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { ttl: 60_000 });
    const now = new Date().toISOString();
    const pending: RecordManifest = { ...manifest('p', [], now), state: RecordState.Pending };
    const id = pending.recordId;
    await store.writeRecord({ ...pending, state: RecordState.Registered });
    await store.writeRecord(pending);
    await store.writeRecord({ ...pending, state: RecordState.Applied }, { durable: false });
    const file = path.join(store.dir, 'records', `${id}.json`);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).state, 'pending');
    assert.equal((await store.readRecord(id))?.state, 'applied');
    await store.writeRecord({ ...pending, state: RecordState.RolledBack }, { durable: false });
    assert.equal((await new SnapshotStore(store.dir).readRecord(id))?.state, 'rolled-back');
    const old = new Date(Date.now() - 120_000).toISOString();
    const stale: RecordManifest = { ...manifest('stale', [], old), state: RecordState.Registered };
    await store.writeRecord(stale);
    assert.equal((await store.readRecord(stale.recordId))?.state, 'registered');
    assert.deepEqual(await store.sweep(), { records: 1, blobs: 0 });
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).state, 'rolled-back');
    assert.deepEqual(fs.readdirSync(path.join(store.dir, 'records')), [`${id}.json`]);
    assert.equal(await store.readRecord(stale.recordId), undefined);
    assert.equal((await store.readRecord(id))?.state, 'rolled-back');
  });

  test('SnapshotStore: state log past 1 MiB → folded in the background: the manifest says applied, the log is gone, the record reads the same', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'));
    const now = new Date().toISOString();
    const pending: RecordManifest = { ...manifest('big', [], now), state: RecordState.Pending };
    await store.writeRecord(pending);
    const log = path.join(store.dir, 'records', STATE_LOG_NAME);
    const data = 'd'.repeat(64 * 1024);
    let appends = 0;
    while (appends === 0 || fs.existsSync(log)) {
      await store.writeRecord({ ...pending, state: RecordState.Applied, data: `${appends++}:${data}` }, { durable: false });
      if (appends > 32) break;
    }
    await store.idle();
    assert.ok(appends > 1 && appends <= 32, `folded after ${appends} appends`);
    assert.equal(fs.existsSync(log), false);
    const file = JSON.parse(fs.readFileSync(path.join(store.dir, 'records', `${pending.recordId}.json`), 'utf8')) as RecordManifest;
    assert.equal(file.state, 'applied');
    assert.equal(file.data, `${appends - 1}:${data}`);
    assert.deepEqual(await store.readRecord(pending.recordId), file);
  });

  test('SnapshotStore: a registered marker of an older store → read as the record; the manifest wins once written; sweep removes it with an expired record', async () => {
    const store = new SnapshotStore(path.join(tempDir(), 'store'), { ttl: 60_000 });
    const old = new Date(Date.now() - 120_000).toISOString();
    const registered: RecordManifest = { ...manifest('legacy', [], old), state: RecordState.Registered };
    const id = registered.recordId;
    fs.mkdirSync(path.join(store.dir, 'records'), { recursive: true });
    const marker = path.join(store.dir, 'records', `${id}.registered`);
    fs.writeFileSync(marker, JSON.stringify(registered));
    assert.equal((await store.readRecord(id))?.state, 'registered');
    assert.deepEqual(
      (await store.listRecords()).map((m) => m.recordId),
      [id],
    );
    assert.deepEqual(await store.sweep(), { records: 1, blobs: 0 });
    assert.equal(fs.existsSync(marker), false);
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
  });
});
