import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../src/errors';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { host, makeEnv, open } from './helpers';

// Red team 15 (as for the providers' caps): the snapshot strategies' maxBytes is the largest
// file they read whole into memory and the store. NaN (an unset environment variable through
// Number()) made `size > NaN` false for every file: no cap at all, where the default refuses
// files over 64 MiB (Reversible.SnapshotTooLarge). Now such an option is refused.

test('FsWriteSnapshotStrategy({ maxBytes: NaN }) → refused at construction (it was no cap: a file of any size was snapshotted whole)', async () => {
  let built = false;
  try {
    new FsWriteSnapshotStrategy({ maxBytes: NaN });
    built = true;
  } catch (err) {
    assert.ok(hasErrorCode(err, 'Fs.InvalidParam'), String(err));
  }
  if (built) {
    // What a NaN cap does: the layer snapshots a file of any size.
    const env = makeEnv();
    fs.writeFileSync(host(env, '/workspace/output/big.bin'), Buffer.alloc(2048));
    const { kernel, layer } = open(env, { snapshot: { maxBytes: NaN } });
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/big.bin', params: { content: 'x' } });
    await kernel.close();
    assert.notEqual(result.status, 'OK', 'a NaN cap snapshotted the file whole, as it would one of any size');
  }
  assert.equal(built, false);
});

test('snapshot strategies: maxBytes of -1, 1.5, "1024", null or Infinity → Fs.InvalidParam; 0 and a whole number → built', () => {
  for (const maxBytes of [-1, 1.5, '1024', null, Infinity]) {
    assert.throws(
      () => new FsDeleteSnapshotStrategy({ maxBytes: maxBytes as number }),
      (e: unknown) => hasErrorCode(e, 'Fs.InvalidParam'),
      String(maxBytes),
    );
  }
  new FsWriteSnapshotStrategy({ maxBytes: 0 });
  new FsDeleteSnapshotStrategy({ maxBytes: 1024 });
});
