import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INLINE_BLOB_BYTES } from '../../src/reversible/record-blobs';
import type { RecordManifest } from '../../src/reversible/record';
import { BINARY, blobCount, host, makeEnv, open } from './helpers';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The lines of a record's file (its states, in the order written). */
function statesOf(storeDir: string, recordId: string): RecordManifest[] {
  return fs
    .readFileSync(path.join(storeDir, 'records', `${recordId}.json`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RecordManifest);
}

/** The record's `pending` line (the one with the snapshot). */
function pendingOf(storeDir: string, recordId: string): RecordManifest {
  return statesOf(storeDir, recordId).find((m) => m.state === 'pending') as RecordManifest;
}

describe('inline snapshots', () => {
  test('reversible write over a small file → one store file (its pending line holds the prior bytes, no other line repeats them), no blob file; rollback restores them exactly', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/small.bin');
    fs.writeFileSync(file, BINARY);
    const { kernel, layer, store } = open(env);
    const done = await layer.submit({ action: 'fs.write', target: '/workspace/output/small.bin', params: { content: 'new' } });
    await layer.records(); // waits for the state change written after the answer
    const id = done.recordId as string;
    const manifest = pendingOf(env.storeDir, id);
    assert.equal(blobCount(env.storeDir), 0);
    assert.deepEqual(fs.readdirSync(path.join(env.storeDir, 'records')), [`${id}.json`]);
    assert.deepEqual(Object.keys(manifest.inlineBlobs ?? {}), [sha256(BINARY)]);
    assert.deepEqual(
      statesOf(env.storeDir, id).map((m) => [m.state, m.inlineBlobs !== undefined]),
      [
        ['registered', false],
        ['pending', true],
        ['applied', false],
      ],
    );
    assert.equal((await store.readRecord(id))?.state, 'applied');
    assert.deepEqual((await store.readRecord(id))?.inlineBlobs, manifest.inlineBlobs);
    const rolled = await layer.rollback(id);
    await layer.records(); // waits for the state written after the answer
    await kernel.close();
    assert.equal(rolled.status, 'OK');
    assert.deepEqual(fs.readFileSync(file), BINARY);
    assert.equal((await store.readRecord(id))?.state, 'rolled-back');
    assert.deepEqual((await store.readRecord(id))?.inlineBlobs, manifest.inlineBlobs);
  });

  test('inline prior bytes damaged in the manifest → rollback ERROR Reversible.StoreCorrupt, the file not touched', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/d.txt');
    fs.writeFileSync(file, 'prior');
    const { kernel, layer } = open(env);
    const id = (await layer.submit({ action: 'fs.write', target: '/workspace/output/d.txt', params: { content: 'new' } })).recordId as string;
    await layer.records(); // waits for the state change written after the answer
    const file2 = path.join(env.storeDir, 'records', `${id}.json`);
    const digest = sha256(Buffer.from('prior'));
    const text = fs.readFileSync(file2, 'utf8');
    assert.ok(text.includes(Buffer.from('prior').toString('base64')));
    fs.writeFileSync(file2, text.replace(Buffer.from('prior').toString('base64'), Buffer.from('other').toString('base64'))); // damaged on disk
    assert.equal((await open(env).store.readRecord(id))?.inlineBlobs?.[digest], Buffer.from('other').toString('base64'));
    const rolled = await open(env).layer.rollback(id);
    await kernel.close();
    assert.deepEqual([rolled.status, rolled.code], ['ERROR', 'Reversible.StoreCorrupt']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  });

  test(`prior file over ${INLINE_BLOB_BYTES / 1024} KiB → a blob file, nothing inline; small content that is also a blob file (an earlier version stored it) → inline all the same; both roll back`, async () => {
    const env = makeEnv();
    const big = Buffer.alloc(INLINE_BLOB_BYTES + 1, 7);
    fs.writeFileSync(host(env, '/workspace/output/big.bin'), big);
    fs.writeFileSync(host(env, '/workspace/output/same.bin'), big.subarray(0, 100));
    const { kernel, layer, store } = open(env);
    const small = await store.putBlob(big.subarray(0, 100)); // as an earlier version stored small content
    const a = (await layer.submit({ action: 'fs.write', target: '/workspace/output/big.bin', params: { content: 'x' } })).recordId as string;
    const b = (await layer.submit({ action: 'fs.write', target: '/workspace/output/same.bin', params: { content: 'y' } })).recordId as string;
    await layer.records(); // waits for the state change written after the answer
    assert.equal(blobCount(env.storeDir), 2);
    assert.equal(pendingOf(env.storeDir, a).inlineBlobs, undefined);
    assert.deepEqual(Object.keys(pendingOf(env.storeDir, b).inlineBlobs ?? {}), [small]);
    fs.rmSync(path.join(env.storeDir, 'blobs', small.slice(0, 2), small)); // not needed by the record
    const rolled = await layer.rollbackMany([a, b]);
    await kernel.close();
    assert.deepEqual(
      rolled.map((r) => r.status),
      ['OK', 'OK'],
    );
    assert.deepEqual(fs.readFileSync(host(env, '/workspace/output/big.bin')), big);
    assert.deepEqual(fs.readFileSync(host(env, '/workspace/output/same.bin')), big.subarray(0, 100));
  });
});
