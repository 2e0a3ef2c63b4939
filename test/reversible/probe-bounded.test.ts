/**
 * Red team 14: a rollback's probe of the target read the whole file, however large. A program
 * in the workspace that turned the file an agent wrote into a sparse file of 1 TiB (one
 * `truncate`, no disk used) made every undo of it read a terabyte of zeros on the worker's
 * thread pool: the undo timed out (`ERROR`, instead of `CONFLICT`) while the read went on
 * in the background for minutes, holding a pool thread each time it was tried again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fileFacts, host, makeEnv, open } from './helpers';

const TIB = 2 ** 40;

describe('ReversibleActionLayer: the probe of a crafted huge file', () => {
  test('a written file turned into a 1 TiB sparse file → rollback answers CONFLICT at once; force restores the old bytes', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/report.md');
    fs.writeFileSync(file, 'before\n');
    const { kernel, layer } = open(env);
    const write = await layer.submit({ action: 'fs.write', target: '/workspace/output/report.md', params: { content: 'agent\n' } });
    assert.equal(write.status, 'OK', write.error);
    fs.truncateSync(file, TIB); // a second process: sparse, instant
    const undo = await layer.rollback(write.recordId as string);
    assert.equal(undo.status, 'CONFLICT', `${undo.code ?? ''} ${undo.error ?? ''}`);
    assert.equal(fs.statSync(file).size, TIB, 'a conflict leaves the file as it is');
    const forced = await layer.rollback(write.recordId as string, { force: true });
    await kernel.close();
    assert.deepEqual([forced.status, forced.restored], ['OK', 'content'], forced.error);
    assert.deepEqual(fileFacts(file)?.bytes, Buffer.from('before\n'));
  });

  test('a deleted file recreated as a 1 TiB sparse file → rollback answers CONFLICT at once, nothing touched', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/trash/old.txt');
    fs.writeFileSync(file, 'old\n');
    const { kernel, layer } = open(env);
    const del = await layer.submit({ action: 'fs.delete', target: '/workspace/trash/old.txt' });
    assert.equal(del.status, 'OK', del.error);
    fs.writeFileSync(file, '');
    fs.truncateSync(file, TIB);
    const undo = await layer.rollback(del.recordId as string);
    await kernel.close();
    assert.equal(undo.status, 'CONFLICT', `${undo.code ?? ''} ${undo.error ?? ''}`);
    assert.equal(fs.statSync(file).size, TIB);
  });
});
