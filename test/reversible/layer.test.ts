import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { recordIdFor } from '../../src/reversible/record-id';
import { readLog } from '../kernel/kernel-helpers';
import { BINARY, blobCount, fileFacts, host, makeEnv, open } from './helpers';

describe('ReversibleActionLayer: write and rollback', () => {
  test('rollback: overwritten text file → OK "content", bytes and mode exactly as before', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/report.md');
    fs.writeFileSync(file, 'old line\r\nsecond line');
    fs.chmodSync(file, 0o640);
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/report.md', params: { content: 'new content' } });
    assert.equal(result.status, 'OK');
    assert.match(result.recordId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new content');
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.equal(undo.restored, 'content');
    assert.equal(undo.target, '/workspace/output/report.md');
    assert.deepEqual({ ...fileFacts(file), ino: 0 }, { bytes: Buffer.from('old line\r\nsecond line'), mode: 0o640, ino: 0 });
  });

  test('rollback: overwritten binary file and a changed mode → the exact bytes (not UTF-8 text) and the old mode', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/blob.bin');
    fs.writeFileSync(file, BINARY);
    fs.chmodSync(file, 0o755);
    const { kernel, layer } = open(env);
    const result = await layer.submit({
      action: 'fs.write',
      target: '/workspace/output/blob.bin',
      params: { content: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64', mode: 0o600 },
    });
    assert.equal(result.status, 'OK');
    assert.deepEqual(fileFacts(file)?.bytes, Buffer.from([1, 2, 3]));
    assert.equal(fileFacts(file)?.mode, 0o600);
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.ok(fileFacts(file)?.bytes.equals(BINARY));
    assert.equal(fileFacts(file)?.mode, 0o755);
  });

  test('rollback: new file in new folders, policy grants no fs.delete → file and the created (now empty) folders removed, output/ kept', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/a/b/new.txt', params: { content: 'fresh' } });
    assert.equal(result.status, 'OK');
    assert.ok(fs.existsSync(host(env, '/workspace/output/a/b/new.txt')));
    const direct = await kernel.submit({ action: 'fs.delete', target: '/workspace/output/a/b/new.txt' });
    assert.equal(direct.status, 'DENIED');
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.equal(undo.restored, 'removed');
    assert.equal(fs.existsSync(host(env, '/workspace/output/a')), false);
    assert.ok(fs.statSync(host(env, '/workspace/output')).isDirectory());
  });

  test('rollback: created folder that gained another file → new file removed, the non-empty folder kept with its file', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/a/b/new.txt', params: { content: 'fresh' } });
    fs.writeFileSync(host(env, '/workspace/output/a/other.txt'), 'someone else');
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.equal(fs.existsSync(host(env, '/workspace/output/a/b')), false);
    assert.equal(fs.readFileSync(host(env, '/workspace/output/a/other.txt'), 'utf8'), 'someone else');
  });

  test('rollback: deleted file → OK "recreated" with its bytes and mode', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/trash/keep.bin');
    fs.writeFileSync(file, BINARY);
    fs.chmodSync(file, 0o604);
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.delete', target: '/workspace/trash/keep.bin' });
    assert.equal(result.status, 'OK');
    assert.equal(fs.existsSync(file), false);
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.equal(undo.status, 'OK');
    assert.equal(undo.restored, 'recreated');
    assert.ok(fileFacts(file)?.bytes.equals(BINARY));
    assert.equal(fileFacts(file)?.mode, 0o604);
  });

  test('rollback: second call → NOOP "already rolled back", file and audit log untouched', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/r.txt');
    fs.writeFileSync(file, 'v1');
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/r.txt', params: { content: 'v2' } });
    assert.equal((await layer.rollback(result.recordId as string)).status, 'OK');
    const facts = fileFacts(file);
    const records = readLog(env.logPath).length;
    const again = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.equal(again.status, 'NOOP');
    assert.equal(again.reason, 'already rolled back');
    assert.deepEqual(fileFacts(file), facts);
    assert.equal(readLog(env.logPath).length, records);
  });

  test('rollback: file changed after the action → CONFLICT and nothing overwritten; with force → OK, prior bytes back', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/c.txt');
    fs.writeFileSync(file, 'before');
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/c.txt', params: { content: 'agent' } });
    fs.writeFileSync(file, 'human edit');
    const conflict = await layer.rollback(result.recordId as string);
    assert.equal(conflict.status, 'CONFLICT');
    assert.equal(conflict.code, 'Reversible.Conflict');
    assert.equal(fs.readFileSync(file, 'utf8'), 'human edit');
    const forced = await layer.rollback(result.recordId as string, { force: true });
    await kernel.close();
    assert.equal(forced.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
  });

  test('rollback: created file edited later → CONFLICT (kept); with force → removed', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/n.txt');
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/n.txt', params: { content: 'agent' } });
    fs.writeFileSync(file, 'human edit');
    assert.equal((await layer.rollback(result.recordId as string)).status, 'CONFLICT');
    assert.equal(fs.readFileSync(file, 'utf8'), 'human edit');
    const forced = await layer.rollback(result.recordId as string, { force: true });
    await kernel.close();
    assert.deepEqual([forced.status, forced.restored], ['OK', 'removed']);
    assert.equal(fs.existsSync(file), false);
  });

  test("rollback: the undo is audited as the undone action, undo_of naming the reversible record and undo_of_hash the original's audit record, with its rule", async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/x.txt', params: { content: 'x' } });
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    const records = readLog(env.logPath);
    assert.equal(records.length, 2);
    const last = records[1] ?? {};
    assert.deepEqual(
      [last['action'], last['canonical_target'], last['status'], last['undo_of'], last['undo_of_hash'], last['rule_id']],
      ['fs.write', '/workspace/output/x.txt', 'OK', result.recordId, result.auditRecordId, 'capabilities[1]'],
    );
    assert.equal(records[0]?.['hash'], result.auditRecordId);
    assert.equal(last['hash'], undo.auditRecordId);
    assert.match(String(last['reason']), /^undo of [0-9a-f]{32}, authorised by its original decision/);
    assert.equal(records[0]?.['undo_of'], undefined);
    assert.equal((await verifyAuditLog(env.logPath)).ok, true);
  });

  test('rollback: the undo record carries the action and target it undoes and the audit hash of the original record', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/h.txt', params: { content: 'h' } });
    await layer.rollback(result.recordId as string);
    await kernel.close();
    const [original, undo] = readLog(env.logPath);
    assert.deepEqual([undo?.['action'], undo?.['target'], undo?.['undo_of_hash']], ['fs.write', '/workspace/output/h.txt', original?.['hash']]);
  });

  test('rollback: the write changed nothing (same bytes and mode) → NOOP "already in its prior state"', async () => {
    const env = makeEnv();
    fs.writeFileSync(host(env, '/workspace/output/same.txt'), 'same');
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/same.txt', params: { content: 'same' } });
    const undo = await layer.rollback(result.recordId as string);
    await kernel.close();
    assert.deepEqual([undo.status, undo.reason], ['NOOP', 'the target is already in its prior state']);
    assert.equal((await layer.record(result.recordId as string))?.state, 'rolled-back');
  });

  test('rollback: unknown record id → ERROR Reversible.UnknownRecord; with allowUnknown → NOOP', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const id = recordIdFor('never-started');
    const unknown = await layer.rollback(id);
    const allowed = await layer.rollback(id, { allowUnknown: true });
    const garbage = await layer.rollback('../../etc/passwd');
    await kernel.close();
    assert.deepEqual([unknown.status, unknown.code], ['ERROR', 'Reversible.UnknownRecord']);
    assert.equal(allowed.status, 'NOOP');
    assert.deepEqual([garbage.status, garbage.code], ['ERROR', 'Reversible.UnknownRecord']);
  });

  test('rollback: target folder swapped for a symlink out of the workspace → refused, the outside file untouched', async () => {
    const env = makeEnv();
    const outside = path.join(env.root, 'outside');
    fs.mkdirSync(outside);
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/sub/t.txt', params: { content: 'agent' } });
    fs.rmSync(host(env, '/workspace/output/sub'), { recursive: true });
    fs.writeFileSync(path.join(outside, 't.txt'), 'agent');
    fs.symlinkSync(outside, host(env, '/workspace/output/sub'));
    const undo = await layer.rollback(result.recordId as string, { force: true });
    await kernel.close();
    assert.equal(undo.status, 'ERROR');
    assert.equal(undo.code, 'Fs.Escape');
    assert.equal(fs.readFileSync(path.join(outside, 't.txt'), 'utf8'), 'agent');
  });
});

describe('ReversibleActionLayer: submit', () => {
  test('submit: denied write → DENIED with its auditRecordId and no recordId (nothing to undo), nothing snapshotted', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/secret.txt', params: { content: 'x' } });
    await kernel.close();
    assert.equal(result.status, 'DENIED');
    assert.equal(result.recordId, undefined);
    assert.equal(result.auditRecordId, readLog(env.logPath)[0]?.['hash']);
    assert.equal(blobCount(env.storeDir), 0);
    const records = path.join(env.storeDir, 'records');
    const states = fs.readdirSync(records).flatMap((f) =>
      fs
        .readFileSync(path.join(records, f), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { state: string }).state),
    );
    assert.deepEqual(states, ['registered'], 'no snapshot taken (no record past registered)');
  });

  test('submit: malformed request (a 100,000-character target) → the kernel refuses and audits it; no record is written to the store for it', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const target = `/workspace/output/${'a'.repeat(100_000)}`;
    const result = await layer.submit({ action: 'fs.write', target, params: { content: 'x' } }, { idempotencyKey: 'wf/run/long' });
    await kernel.close();
    assert.equal(result.status, 'ERROR');
    assert.equal(result.code, 'Kernel.MalformedRequest');
    assert.equal(result.recordId, undefined);
    assert.equal(readLog(env.logPath).length, 1, 'one audit record');
    assert.deepEqual(fs.existsSync(path.join(env.storeDir, 'records')) ? fs.readdirSync(path.join(env.storeDir, 'records')) : [], []);
  });

  test('submit: same idempotency key twice → same recordId = recordIdFor(key), applied once, second answer says already applied', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/once.txt');
    fs.writeFileSync(file, 'prior');
    const { kernel, layer } = open(env);
    const request = { action: 'fs.write', target: '/workspace/output/once.txt', params: { content: 'new' } };
    const first = await layer.submit(request, { idempotencyKey: 'wf-1/run-1/3' });
    const inode = fileFacts(file)?.ino;
    const blobs = blobCount(env.storeDir);
    const second = await layer.submit(request, { idempotencyKey: 'wf-1/run-1/3' });
    await kernel.close();
    assert.equal(first.recordId, recordIdFor('wf-1/run-1/3'));
    assert.equal(second.recordId, first.recordId);
    assert.equal(second.status, 'OK');
    assert.deepEqual(second.meta, { alreadyApplied: true });
    assert.deepEqual(second.data, first.data);
    assert.equal(fileFacts(file)?.ino, inode, 'the file was written again');
    assert.equal(blobCount(env.storeDir), blobs);
    assert.equal(readLog(env.logPath).length, 1);
  });

  test('submit: a key reused for a different request → ERROR Reversible.KeyReused, nothing written', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    await layer.submit({ action: 'fs.write', target: '/workspace/output/k.txt', params: { content: 'one' } }, { idempotencyKey: 'k' });
    const other = await layer.submit({ action: 'fs.write', target: '/workspace/output/k.txt', params: { content: 'two' } }, { idempotencyKey: 'k' });
    await kernel.close();
    assert.deepEqual([other.status, other.code], ['ERROR', 'Reversible.KeyReused']);
    assert.equal(fs.readFileSync(host(env, '/workspace/output/k.txt'), 'utf8'), 'one');
  });

  test('submit: action no strategy covers → passed to the kernel unchanged, no record', async () => {
    const env = makeEnv();
    fs.writeFileSync(host(env, '/workspace/data.csv'), 'a,b\n');
    const { kernel, layer } = open(env);
    const result = await layer.submit({ action: 'fs.read', target: '/workspace/data.csv' });
    await kernel.close();
    assert.equal(result.status, 'OK');
    assert.equal(result.data, 'a,b\n');
    assert.equal(result.auditRecordId, readLog(env.logPath)[0]?.['hash']);
    assert.equal(result.recordId, undefined, 'recordId only for a reversible record');
    assert.deepEqual(await layer.records(), []);
  });

  test('submit: target larger than the snapshot cap → ERROR Reversible.SnapshotTooLarge, file not written', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/big.txt');
    fs.writeFileSync(file, 'x'.repeat(100));
    const { kernel, layer } = open(env, { snapshot: { maxBytes: 10 } });
    const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/big.txt', params: { content: 'small' } });
    await kernel.close();
    assert.deepEqual([result.status, result.code], ['ERROR', 'Reversible.SnapshotTooLarge']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'x'.repeat(100));
  });

  test('records: lists each record with its state for the saga query', async () => {
    const env = makeEnv();
    const { kernel, layer } = open(env);
    const a = await layer.submit({ action: 'fs.write', target: '/workspace/output/1.txt', params: { content: '1' } }, { idempotencyKey: 'a' });
    const b = await layer.submit({ action: 'fs.write', target: '/workspace/output/2.txt', params: { content: '2' } }, { idempotencyKey: 'b' });
    await layer.rollback(b.recordId as string);
    const list = await layer.records();
    await kernel.close();
    const byId = new Map(list.map((r) => [r.recordId, r]));
    assert.equal(list.length, 2);
    assert.deepEqual([byId.get(a.recordId as string)?.state, byId.get(a.recordId as string)?.canonicalTarget], ['applied', '/workspace/output/1.txt']);
    assert.equal(byId.get(b.recordId as string)?.state, 'rolled-back');
    assert.equal(byId.get(b.recordId as string)?.idempotencyKey, 'b');
  });
});
