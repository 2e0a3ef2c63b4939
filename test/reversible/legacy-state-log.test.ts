/**
 * A store written by the previous version (main before one-file-per-record): a manifest per
 * record and the end of each rollback appended to `records/rolled-back.log` (folded into the
 * manifests only past 1 MiB). A record that log says was rolled back must stay rolled back
 * after the upgrade.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecordState, type RecordManifest } from '../../src/reversible/record';
import { host, makeEnv, open } from './helpers';

const TARGET = '/workspace/output/legacy.txt';

/**
 * One write of 'prior' → 'new' applied through the layer, its record then rewritten as the previous version stored it: a
 * pretty-printed manifest with its snapshot in a blob file. `logRolledBack` writes that version's rolled-back.log.
 */
async function legacyApplied() {
  const env = makeEnv();
  const file = host(env, TARGET);
  fs.writeFileSync(file, 'prior');
  const w = open(env);
  const id = (await w.layer.submit({ action: 'fs.write', target: TARGET, params: { content: 'new' } })).recordId as string;
  await w.layer.records();
  const { inlineBlobs: _inline, ...applied } = (await w.store.readRecord(id)) as RecordManifest;
  await w.store.putBlob(Buffer.from('prior'));
  const records = path.join(env.storeDir, 'records');
  fs.writeFileSync(path.join(records, `${id}.json`), `${JSON.stringify(applied, null, 2)}\n`);
  await w.kernel.close();
  const logRolledBack = (line: RecordManifest): void => fs.writeFileSync(path.join(records, 'rolled-back.log'), `\n${JSON.stringify(line)}\n`);
  return { env, file, id, applied, logRolledBack };
}

describe('store of the previous version', () => {
  test('record rolled back by the previous version (its line in rolled-back.log), the file written again since by another action → rollback again (a rerun batch) answers NOOP and keeps the later write', async () => {
    // After its rollback by the previous version: a line in rolled-back.log, the file restored.
    const { env, file, id, applied, logRolledBack } = await legacyApplied();
    logRolledBack({ ...applied, state: RecordState.RolledBack, updatedAt: new Date().toISOString() });
    fs.writeFileSync(file, 'prior');

    const { kernel, layer, store } = open(env); // the new version
    assert.equal((await store.readRecord(id))?.state, 'rolled-back');
    const later = await layer.submit({ action: 'fs.write', target: TARGET, params: { content: 'new' } }); // another action, same bytes
    assert.equal(later.status, 'OK');
    const again = await layer.rollback(id);
    await kernel.close();
    assert.deepEqual([again.status, again.reason], ['NOOP', 'already rolled back']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  });

  test("a rolled-back line in rolled-back.log of an earlier record with the same id (another createdAt) does not roll back the manifest's record", async () => {
    const { env, file, id, applied, logRolledBack } = await legacyApplied();
    const earlier = new Date(Date.parse(applied.createdAt) - 60_000).toISOString();
    logRolledBack({ ...applied, state: RecordState.RolledBack, createdAt: earlier, updatedAt: earlier });

    const { kernel, layer, store } = open(env);
    assert.equal((await store.readRecord(id))?.state, 'applied');
    const undo = await layer.rollback(id);
    await kernel.close();
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });
});
