import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INLINE_BLOB_BYTES } from '../../src/reversible/record-blobs';
import type { RecordManifest } from '../../src/reversible/record';
import { STATE_LOG_NAME } from '../../src/reversible/state-log';
import { BINARY, blobCount, host, makeEnv, open } from './helpers';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function manifestFile(storeDir: string, recordId: string): RecordManifest {
  return JSON.parse(fs.readFileSync(path.join(storeDir, 'records', `${recordId}.json`), 'utf8')) as RecordManifest;
}

describe('inline snapshots', () => {
  test('reversible write over a small file → one store file (its manifest holds the prior bytes), no blob file, no state-log line holds them; rollback restores them exactly', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/small.bin');
    fs.writeFileSync(file, BINARY);
    const { kernel, layer, store } = open(env);
    const done = await layer.submit({ action: 'fs.write', target: '/workspace/output/small.bin', params: { content: 'new' } });
    await layer.records(); // waits for the state change written after the answer
    const id = done.recordId as string;
    const manifest = manifestFile(env.storeDir, id);
    assert.equal(blobCount(env.storeDir), 0);
    assert.deepEqual(Object.keys(manifest.inlineBlobs ?? {}), [sha256(BINARY)]);
    assert.doesNotMatch(fs.readFileSync(path.join(env.storeDir, 'records', STATE_LOG_NAME), 'utf8'), /inlineBlobs/);
    assert.equal((await store.readRecord(id))?.state, 'applied');
    assert.deepEqual((await store.readRecord(id))?.inlineBlobs, manifest.inlineBlobs);
    const rolled = await layer.rollback(id);
    await store.sweep(); // folds the log: the manifest keeps its inline bytes
    await kernel.close();
    assert.equal(rolled.status, 'OK');
    assert.deepEqual(fs.readFileSync(file), BINARY);
    assert.equal(manifestFile(env.storeDir, id).state, 'rolled-back');
    assert.deepEqual(manifestFile(env.storeDir, id).inlineBlobs, manifest.inlineBlobs);
  });

  test('inline prior bytes damaged in the manifest → rollback ERROR Reversible.StoreCorrupt, the file not touched', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/d.txt');
    fs.writeFileSync(file, 'prior');
    const { kernel, layer } = open(env);
    const id = (await layer.submit({ action: 'fs.write', target: '/workspace/output/d.txt', params: { content: 'new' } })).recordId as string;
    await layer.records(); // waits for the state change written after the answer
    const manifest = manifestFile(env.storeDir, id);
    const digest = sha256(Buffer.from('prior'));
    const damaged = { ...manifest, inlineBlobs: { [digest]: Buffer.from('other').toString('base64') } };
    fs.writeFileSync(path.join(env.storeDir, 'records', `${id}.json`), JSON.stringify(damaged));
    const rolled = await open(env).layer.rollback(id);
    await kernel.close();
    assert.deepEqual([rolled.status, rolled.code], ['ERROR', 'Reversible.StoreCorrupt']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  });

  test(`prior file over ${INLINE_BLOB_BYTES / 1024} KiB → a blob file, nothing inline; content already stored → that blob, nothing inline; both roll back`, async () => {
    const env = makeEnv();
    const big = Buffer.alloc(INLINE_BLOB_BYTES + 1, 7);
    fs.writeFileSync(host(env, '/workspace/output/big.bin'), big);
    fs.writeFileSync(host(env, '/workspace/output/same.bin'), big.subarray(0, 100));
    const { kernel, layer, store } = open(env);
    await store.putBlob(big.subarray(0, 100)); // the small content is in the store already
    const a = (await layer.submit({ action: 'fs.write', target: '/workspace/output/big.bin', params: { content: 'x' } })).recordId as string;
    const b = (await layer.submit({ action: 'fs.write', target: '/workspace/output/same.bin', params: { content: 'y' } })).recordId as string;
    await layer.records(); // waits for the state change written after the answer
    assert.equal(blobCount(env.storeDir), 2);
    assert.equal(manifestFile(env.storeDir, a).inlineBlobs, undefined);
    assert.equal(manifestFile(env.storeDir, b).inlineBlobs, undefined);
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
