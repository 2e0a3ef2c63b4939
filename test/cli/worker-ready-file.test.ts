/**
 * The ready file (default /tmp/agent-os-worker-ready) is written without following a link
 * planted at its name: before, `writeFileSync` wrote the worker's JSON through the link, into
 * whatever file it pointed at (where `fs.protected_symlinks` does not stop it: a folder that is
 * not world-writable and sticky, or a link of the worker's own user).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { uniqueId } from '../helpers/temporal';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';
import { scriptedEnv, startWorkerProcess, workerStateArgs } from './worker-harness';

test('worker: a symlink planted at the ready file → the link is replaced by the ready file, the file it pointed at is untouched; removed on exit', async () => {
  const root = tempDir('agent-os-ready-link-');
  const victim = path.join(root, 'victim.txt');
  fs.writeFileSync(victim, 'keep me\n');
  const readyFile = path.join(root, 'ready');
  fs.symlinkSync(victim, readyFile);
  const state = path.join(root, 'state');
  const env = await scriptedEnv({ baseURL: 'http://127.0.0.1:9/v1' });
  const worker = await startWorkerProcess(
    ['--policy', writePolicy(root, 'capabilities: []\n'), '--task-queue', uniqueId('ready-link'), ...workerStateArgs(state)],
    env,
    {
      readyFile,
    },
  );
  try {
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n');
    assert.equal(fs.lstatSync(readyFile).isFile(), true, 'the name now holds a regular file, not the link');
    assert.equal((JSON.parse(fs.readFileSync(readyFile, 'utf8')) as { pid: number }).pid, worker.child.pid);
  } finally {
    assert.equal(await worker.stop(), 0);
  }
  assert.equal(fs.existsSync(readyFile), false);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n');
  assert.deepEqual(
    fs.readdirSync(root).filter((n) => n.endsWith('.tmp')),
    [],
  );
});
