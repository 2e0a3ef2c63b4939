import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { recordIdFor } from '../../src/reversible/record-id';
import { readLog } from '../kernel/kernel-helpers';
import { type Env, blobCount, host, makeEnv, open } from './helpers';

const CHILD = path.join(__dirname, 'child-apply.js');

/** Runs one write through a layer in a separate node process. */
function child(env: Env, job: { key: string; target: string; content: string; crash?: 'before-write' | 'after-write' }) {
  const out = spawnSync(process.execPath, [CHILD, JSON.stringify({ env, ...job })], { encoding: 'utf8' });
  return {
    signal: out.signal,
    status: out.status,
    stderr: out.stderr,
    result: out.stdout === '' ? undefined : (JSON.parse(out.stdout) as Record<string, unknown>),
  };
}

describe('ReversibleActionLayer across processes', () => {
  test('store reopened by a new process: write applied in a child, rolled back here → OK, prior bytes back, one chained log', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/shared.txt');
    fs.writeFileSync(file, 'from before');
    const run = child(env, { key: 'wf/run/1', target: '/workspace/output/shared.txt', content: 'from the child' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.result?.['status'], 'OK');
    assert.equal(run.result?.['recordId'], recordIdFor('wf/run/1'));
    assert.equal(fs.readFileSync(file, 'utf8'), 'from the child');

    const { kernel, layer } = open(env);
    const again = await layer.submit(
      { action: 'fs.write', target: '/workspace/output/shared.txt', params: { content: 'from the child' } },
      { idempotencyKey: 'wf/run/1' },
    );
    const undo = await layer.rollback(recordIdFor('wf/run/1'));
    await kernel.close();
    assert.deepEqual(again.meta, { alreadyApplied: true });
    assert.equal(undo.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'from before');
    const log = readLog(env.logPath);
    // The undo record names the reversible record it undoes and links to the original's audit record (its hash).
    assert.deepEqual(
      log.map((r) => [r['status'], r['undo_of'] ?? null, r['undo_of_hash'] ?? null]),
      [
        ['OK', null, null],
        ['OK', recordIdFor('wf/run/1'), log[0]?.['hash']],
      ],
    );
    assert.equal(run.result?.['auditRecordId'], log[0]?.['hash']);
    assert.equal((await verifyAuditLog(env.logPath)).ok, true);
  });

  test('crash after the snapshot, before the write: record pending; rollback → NOOP and a late retry does not apply', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/p.txt');
    fs.writeFileSync(file, 'untouched');
    const run = child(env, { key: 'crash-1', target: '/workspace/output/p.txt', content: 'never', crash: 'before-write' });
    assert.equal(run.signal, 'SIGKILL');
    const { kernel, layer } = open(env);
    assert.equal((await layer.record(recordIdFor('crash-1')))?.state, 'pending');
    const undo = await layer.rollback(recordIdFor('crash-1'));
    const late = await layer.submit({ action: 'fs.write', target: '/workspace/output/p.txt', params: { content: 'never' } }, { idempotencyKey: 'crash-1' });
    await kernel.close();
    assert.deepEqual([undo.status, undo.reason], ['NOOP', 'the action never took effect']);
    assert.deepEqual([late.status, late.code], ['ERROR', 'Reversible.Revoked']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'untouched');
  });

  test('crash after the snapshot, before the write: retry with the key → applied once, without a second snapshot; rollback → OK', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/q.txt');
    fs.writeFileSync(file, 'prior');
    assert.equal(child(env, { key: 'crash-2', target: '/workspace/output/q.txt', content: 'next', crash: 'before-write' }).signal, 'SIGKILL');
    const blobs = blobCount(env.storeDir);
    const { kernel, layer } = open(env);
    const retry = await layer.submit({ action: 'fs.write', target: '/workspace/output/q.txt', params: { content: 'next' } }, { idempotencyKey: 'crash-2' });
    assert.equal(retry.status, 'OK');
    assert.equal(retry.meta, undefined);
    assert.equal(fs.readFileSync(file, 'utf8'), 'next');
    assert.equal(blobCount(env.storeDir), blobs);
    const undo = await layer.rollback(recordIdFor('crash-2'));
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });

  test('crash after the write, before it was marked applied: retry → OK already applied, not written again; rollback → OK', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/w.txt');
    fs.writeFileSync(file, 'prior');
    assert.equal(child(env, { key: 'crash-3', target: '/workspace/output/w.txt', content: 'written', crash: 'after-write' }).signal, 'SIGKILL');
    assert.equal(fs.readFileSync(file, 'utf8'), 'written');
    const inode = fs.statSync(file).ino;
    const { kernel, layer } = open(env);
    assert.equal((await layer.record(recordIdFor('crash-3')))?.state, 'pending');
    const retry = await layer.submit({ action: 'fs.write', target: '/workspace/output/w.txt', params: { content: 'written' } }, { idempotencyKey: 'crash-3' });
    assert.deepEqual([retry.status, retry.meta], ['OK', { alreadyApplied: true }]);
    assert.equal(fs.statSync(file).ino, inode);
    assert.equal(readLog(env.logPath).at(-1)?.['code'], 'Reversible.AlreadyApplied');
    assert.equal((await layer.record(recordIdFor('crash-3')))?.state, 'applied');
    const undo = await layer.rollback(recordIdFor('crash-3'));
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });

  test('crash after the write, before it was marked applied: rollback without a retry → OK, prior state back', async () => {
    const env = makeEnv();
    assert.equal(child(env, { key: 'crash-4', target: '/workspace/output/new/z.txt', content: 'z', crash: 'after-write' }).signal, 'SIGKILL');
    const { kernel, layer } = open(env);
    const undo = await layer.rollback(recordIdFor('crash-4'));
    await kernel.close();
    assert.deepEqual([undo.status, undo.restored], ['OK', 'removed']);
    assert.equal(fs.existsSync(host(env, '/workspace/output/new')), false);
  });
});
