/** The reversible layer never restores setuid, setgid or sticky bits: it puts back bytes and permission bits only. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { POLICY, fileFacts, host, makeEnv, open } from './helpers';

const NOBODY = 65534;

/** A mode-6755 file, owned by nobody when the test runs as root. */
function plantSetuid(file: string): void {
  fs.writeFileSync(file, '#!/bin/sh\nid\n');
  if (process.getuid?.() === 0) fs.chownSync(file, NOBODY, NOBODY);
  fs.chmodSync(file, 0o6755); // after chown, which clears these bits
}

describe('ReversibleActionLayer: special mode bits', () => {
  test('rollback: deleted mode 6755 file → OK "recreated" with its bytes, mode 0755, owned by the worker', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/trash/tool');
    plantSetuid(file);
    const { kernel, layer } = open(env);
    const del = await layer.submit({ action: 'fs.delete', target: '/workspace/trash/tool' });
    assert.equal(del.status, 'OK', del.error);
    const undo = await layer.rollback(del.recordId as string);
    await kernel.close();
    assert.deepEqual([undo.status, undo.restored], ['OK', 'recreated']);
    assert.deepEqual({ ...fileFacts(file), ino: 0 }, { bytes: Buffer.from('#!/bin/sh\nid\n'), mode: 0o755, ino: 0 });
    assert.equal(fs.lstatSync(file).uid, process.getuid?.());
  });

  test('rollback: a write over a mode 6755 file → OK "content": old bytes back, mode 0755, not a conflict', async () => {
    const env = makeEnv(POLICY);
    const file = host(env, '/workspace/output/tool');
    plantSetuid(file);
    const { kernel, layer } = open(env);
    const write = await layer.submit({ action: 'fs.write', target: '/workspace/output/tool', params: { content: 'echo agent\n' } });
    assert.equal(write.status, 'OK', write.error);
    assert.equal(fileFacts(file)?.mode, 0o755);
    const undo = await layer.rollback(write.recordId as string);
    await kernel.close();
    assert.deepEqual([undo.status, undo.restored], ['OK', 'content'], undo.reason);
    assert.deepEqual({ ...fileFacts(file), ino: 0 }, { bytes: Buffer.from('#!/bin/sh\nid\n'), mode: 0o755, ino: 0 });
  });
});
