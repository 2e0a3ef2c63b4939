/**
 * A record's file as an adversary or a crash may leave it: lines a reader cannot take for a
 * state of this record, special files in place of a record, many records with inline
 * snapshots. Loud (`Reversible.StoreCorrupt` / `StoreFailed`) or bounded, never a real action
 * silently read as one that never took effect.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import type { RecordManifest } from '../../src/reversible/record';
import { host, makeEnv, open } from './helpers';

const TARGET = '/workspace/output/h.txt';

/** A record applied over 'prior' (its file: registered, pending, applied), and that file's path. */
async function appliedRecord() {
  const env = makeEnv();
  const file = host(env, TARGET);
  fs.writeFileSync(file, 'prior');
  const { kernel, layer } = open(env);
  const id = (await layer.submit({ action: 'fs.write', target: TARGET, params: { content: 'new' } })).recordId as string;
  await layer.records();
  await kernel.close();
  return { env, file, id, recordFile: path.join(env.storeDir, 'records', `${id}.json`) };
}

/** The record file's lines as objects. */
function lines(recordFile: string): RecordManifest[] {
  return fs
    .readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RecordManifest);
}

describe('record files a reader must not trust', () => {
  test('a state line of a later version (version 2) after registered → readRecord and rollback fail loudly (StoreCorrupt), never "the action never took effect"', async () => {
    const { env, file, id, recordFile } = await appliedRecord();
    const [registered, pending] = lines(recordFile);
    // What a newer worker might write: the same record, further along, in a format this version does not know.
    fs.writeFileSync(recordFile, `\n${JSON.stringify(registered)}\n\n${JSON.stringify({ ...pending, version: 2 })}\n`);
    const { kernel, layer, store } = open(env);
    await assert.rejects(store.readRecord(id), { code: 'Reversible.StoreCorrupt' });
    const undo = await layer.rollback(id);
    await kernel.close();
    assert.deepEqual([undo.status, undo.code], ['ERROR', 'Reversible.StoreCorrupt']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepEqual(
      lines(recordFile).map((m) => m.state),
      ['registered', 'pending'],
    ); // no `revoked` appended
  });

  test("a state of another record in this record's file → StoreCorrupt, not skipped", async () => {
    const { env, id, recordFile } = await appliedRecord();
    const [, pending] = lines(recordFile);
    fs.appendFileSync(recordFile, `\n${JSON.stringify({ ...pending, recordId: 'f'.repeat(32), state: 'revoked' })}\n`);
    await assert.rejects(open(env).store.readRecord(id), { code: 'Reversible.StoreCorrupt' });
  });

  test('a state line without createdAt (it would win every comparison and never expire) → StoreCorrupt, not taken', async () => {
    const { env, id, recordFile } = await appliedRecord();
    const [, pending] = lines(recordFile);
    const { createdAt: _dropped, ...noCreatedAt } = pending!;
    fs.appendFileSync(recordFile, `\n${JSON.stringify({ ...noCreatedAt, state: 'revoked' })}\n`);
    await assert.rejects(open(env).store.readRecord(id), { code: 'Reversible.StoreCorrupt' });
  });

  test('a torn last line (a crash mid-append) is still skipped: the states before it count', async () => {
    const { env, id, recordFile } = await appliedRecord();
    const text = fs.readFileSync(recordFile, 'utf8');
    fs.writeFileSync(recordFile, text.slice(0, text.length - 20));
    assert.equal((await open(env).store.readRecord(id))?.state, 'pending');
  });

  test('a FIFO in place of a record file → listRecords skips it and readRecord fails, the event loop is never blocked', async () => {
    const { env, id } = await appliedRecord();
    const fifoId = 'a'.repeat(32);
    execFileSync('mkfifo', [path.join(env.storeDir, 'records', `${fifoId}.json`)]);
    const store = new SnapshotStore(env.storeDir);
    assert.deepEqual(
      (await store.listRecords()).map((m) => m.recordId),
      [id],
    );
    await assert.rejects(store.readRecord(fifoId), { code: 'Reversible.StoreFailed' });
    const [listed] = await store.listRecords();
    await assert.rejects(store.writeRecord({ ...(listed as RecordManifest), recordId: fifoId }), { code: 'Reversible.StoreFailed' }); // no reader: never blocks
  });

  test('a symlink in place of a record file → not followed', async () => {
    const { env, id, recordFile } = await appliedRecord();
    const other = 'b'.repeat(32);
    fs.symlinkSync(recordFile, path.join(env.storeDir, 'records', `${other}.json`));
    const store = new SnapshotStore(env.storeDir);
    await assert.rejects(store.readRecord(other), { code: 'Reversible.StoreFailed' });
    assert.deepEqual(
      (await store.listRecords()).map((m) => m.recordId),
      [id],
    );
  });

  test('listRecords (sweep, the saga query) does not hold the inline snapshot bytes of every record; readRecord still has them', async () => {
    const { env, id } = await appliedRecord();
    const store = new SnapshotStore(env.storeDir);
    const [listed] = await store.listRecords();
    assert.equal(listed?.recordId, id);
    assert.equal(listed?.inlineBlobs, undefined);
    assert.equal(Object.keys((await store.readRecord(id))?.inlineBlobs ?? {}).length, 1);
  });
});
