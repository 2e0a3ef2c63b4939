import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/index';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { applyHistoryEffects, type RunHistory } from '../../src/workflows/run-history-state';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = `
version: 1
capabilities:
  - id: read
    action: fs.read
    resource: /workspace/**
  - id: write
    action: fs.write
    resource: /workspace/out/**
    max_calls: 2
  - id: overwrite-own
    action: fs.write
    resource: /workspace/own/**
    created_by_run: true
  - id: delete-own
    action: fs.delete
    resource: /workspace/**
    created_by_run: true
  - id: publish
    action: kv.put
    resource: '**'
    requires: { approval: true, same_target: true }
  - id: summary-of-read
    action: kv.get
    resource: '/workspace/**'
    requires: { rule: read, same_target: true }
ask:
  - id: approve-put
    action: kv.put
    resource: 'approve/**'
`;

function setUp(approve?: () => Promise<boolean>) {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'own'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'keep.txt'), 'not mine\n');
  fs.writeFileSync(path.join(ws, 'own', 'theirs.txt'), 'not mine either\n');
  const log = path.join(dir, 'kernel.log');
  const kv = new SpyProvider('kv', ['kv.put', 'kv.get']);
  const kernel = new Kernel({
    policy: writePolicy(dir, POLICY),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } }), kv],
    logPath: log,
    ...(approve ? { approve } : {}),
  });
  return { kernel, ws, log, kv };
}

describe('kernel: history-aware rules per kernel session', () => {
  test('max_calls: 2 → the first two writes run, the third is DENIED by the policy and never reaches the disk', async () => {
    const { kernel, ws, log } = setUp();
    const results = [];
    for (const n of [1, 2, 3]) results.push(await kernel.submit({ action: 'fs.write', target: `/workspace/out/f${n}.txt`, params: { content: `${n}` } }));
    await kernel.close();
    assert.deepEqual(
      results.map((r) => r.status),
      ['OK', 'OK', 'DENIED'],
    );
    assert.match(results[0]?.reason ?? '', /call 1 of at most 2 this run/);
    assert.match(results[2]?.reason ?? '', /max_calls of 2 per run is used up/);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'out')).sort(), ['f1.txt', 'f2.txt']);
    const records = readLog(log);
    assert.equal(records.length, 3);
    assert.equal(records[2]?.['status'], 'DENIED');
    assert.match(String(records[2]?.['reason']), /max_calls/);
  });

  test('max_calls: two concurrent submits for the last call → exactly one runs', async () => {
    const { kernel, ws } = setUp();
    await kernel.submit({ action: 'fs.write', target: '/workspace/out/first.txt', params: { content: '1' } });
    const [a, b] = await Promise.all([
      kernel.submit({ action: 'fs.write', target: '/workspace/out/a.txt', params: { content: 'a' } }),
      kernel.submit({ action: 'fs.write', target: '/workspace/out/b.txt', params: { content: 'b' } }),
    ]);
    await kernel.close();
    assert.deepEqual([a.status, b.status].sort(), ['DENIED', 'OK']);
    assert.equal(fs.readdirSync(path.join(ws, 'out')).length, 2);
  });

  test('created_by_run on fs.delete: a file that was there before → DENIED and kept; a file this session wrote → deleted', async () => {
    const { kernel, ws } = setUp();
    const before = await kernel.submit({ action: 'fs.delete', target: '/workspace/keep.txt' });
    await kernel.submit({ action: 'fs.write', target: '/workspace/out/mine.txt', params: { content: 'mine' } });
    const own = await kernel.submit({ action: 'fs.delete', target: '/workspace/out/mine.txt' });
    const gone = !fs.existsSync(path.join(ws, 'out', 'mine.txt'));
    const again = await kernel.submit({ action: 'fs.write', target: '/workspace/out/mine.txt', params: { content: 'x' } }); // max_calls
    await kernel.close();
    assert.equal(before.status, 'DENIED');
    assert.match(before.reason ?? '', /this run did not create \/workspace\/keep.txt/);
    assert.equal(fs.readFileSync(path.join(ws, 'keep.txt'), 'utf8'), 'not mine\n');
    assert.equal(own.status, 'OK');
    assert.equal(gone, true);
    assert.equal(again.status, 'OK', 'written again: a new file, and the second of max_calls 2');
  });

  test('created_by_run on fs.write: overwriting a file this session did not create → ERROR Fs.Exists, content unchanged; new file → created, then overwritable', async () => {
    const { kernel, ws } = setUp();
    const theirs = await kernel.submit({ action: 'fs.write', target: '/workspace/own/theirs.txt', params: { content: 'pwned' } });
    const fresh = await kernel.submit({ action: 'fs.write', target: '/workspace/own/new.txt', params: { content: 'v1' } });
    const rewrite = await kernel.submit({ action: 'fs.write', target: '/workspace/own/new.txt', params: { content: 'v2' } });
    await kernel.close();
    assert.equal(theirs.status, 'ERROR');
    assert.equal(theirs.code, 'Fs.Exists');
    assert.equal(fs.readFileSync(path.join(ws, 'own', 'theirs.txt'), 'utf8'), 'not mine either\n');
    assert.equal(fresh.status, 'OK');
    assert.equal(rewrite.status, 'OK');
    assert.equal(fs.readFileSync(path.join(ws, 'own', 'new.txt'), 'utf8'), 'v2');
    assert.deepEqual(fs.readdirSync(path.join(ws, 'own')).sort(), ['new.txt', 'theirs.txt'], 'no temp file left behind');
  });

  test('requires approval on the same target: before any approval → DENIED; after a person approved an ask on it → allowed', async () => {
    const { kernel, kv } = setUp(async () => true);
    const early = await kernel.submit({ action: 'kv.put', target: 'approve/x' });
    // `approve/x` is matched by the ask rule first (ask before capabilities), so it asks and is approved.
    assert.equal(early.status, 'OK');
    const other = await kernel.submit({ action: 'kv.put', target: 'other' });
    await kernel.close();
    assert.equal(other.status, 'DENIED');
    assert.match(other.reason ?? '', /requires an approval to have allowed an action earlier in this run on other/);
    assert.deepEqual(
      kv.executed.map((r) => r.canonicalTarget),
      ['approve/x'],
    );
  });

  test('requires rule with same_target: kv.get of a file not yet read → DENIED; after fs.read of it → allowed', async () => {
    const { kernel } = setUp();
    const before = await kernel.submit({ action: 'kv.get', target: '/workspace/keep.txt' });
    await kernel.submit({ action: 'fs.read', target: '/workspace/keep.txt' });
    const after = await kernel.submit({ action: 'kv.get', target: '/workspace/keep.txt' });
    const other = await kernel.submit({ action: 'kv.get', target: '/workspace/own/theirs.txt' });
    await kernel.close();
    assert.deepEqual([before.status, after.status, other.status], ['DENIED', 'OK', 'DENIED']);
  });

  test('narrowed views: each view is a session of its own; the parent session is untouched', async () => {
    const { kernel } = setUp();
    const view = kernel.narrowed([loadPolicyText('capabilities:\n  - action: fs.write\n    resource: /workspace/**\n', 'run.yaml')]);
    for (const n of [1, 2]) assert.equal((await view.submit({ action: 'fs.write', target: `/workspace/out/v${n}`, params: { content: 'v' } })).status, 'OK');
    assert.equal((await view.submit({ action: 'fs.write', target: '/workspace/out/v3', params: { content: 'v' } })).status, 'DENIED');
    assert.equal((await kernel.submit({ action: 'fs.write', target: '/workspace/out/k1', params: { content: 'k' } })).status, 'OK');
    await kernel.close();
  });

  test('history option (a workflow state): decided from the given state, what was added comes back, the session is untouched', async () => {
    const { kernel } = setUp();
    const given: RunHistory = { calls: { '0:write': 2 } };
    const full = await kernel.submit({ action: 'fs.write', target: '/workspace/out/g.txt', params: { content: 'g' } }, { history: given });
    assert.equal(full.status, 'DENIED');
    const ok = await kernel.submit({ action: 'fs.write', target: '/workspace/out/g.txt', params: { content: 'g' } }, { history: {} });
    // The created target comes bound to the file the write created (device:inode:birth ns).
    const file = ok.history?.createdFile ?? '';
    assert.match(file, /^\d+:\d+:\d+$/);
    assert.deepEqual(ok.history, { calls: ['0:write'], created: '/workspace/out/g.txt', createdFile: file });
    assert.deepEqual(applyHistoryEffects({}, ok.history), { calls: { '0:write': 1 }, createdFiles: [`${file} /workspace/out/g.txt`] });
    const decided = await kernel.decide({ action: 'fs.write', target: '/workspace/out/x.txt', params: { content: 'x' } }, given);
    assert.equal(decided.effect, 'deny');
    // The session never saw those: two session writes still run.
    for (const n of [1, 2]) assert.equal((await kernel.submit({ action: 'fs.write', target: `/workspace/out/s${n}`, params: { content: 's' } })).status, 'OK');
    const bad = await kernel.submit({ action: 'fs.write', target: '/workspace/out/b', params: { content: 'b' } }, { history: { calls: 'x' } as never });
    await kernel.close();
    assert.equal(bad.status, 'ERROR');
    assert.equal(bad.code, 'Kernel.MalformedRequest');
  });

  test('kernel.unknownUse (an at-most-once retry whose first attempt may have run): the allowing rule counts; a denied one adds nothing; no created target is claimed', async () => {
    const { kernel } = setUp();
    const write = { action: 'fs.write', target: '/workspace/out/u.txt', params: { content: 'u' } };
    assert.deepEqual(await kernel.unknownUse(write, {}, false), { calls: ['0:write'] });
    assert.equal(await kernel.unknownUse(write, { calls: { '0:write': 2 } }, false), undefined);
    assert.deepEqual(await kernel.unknownUse({ action: 'fs.read', target: '/workspace/keep.txt' }, {}, false), { granted: ['0:read /workspace/keep.txt'] });
    assert.equal(await kernel.unknownUse({ action: 'fs.list', target: '/workspace' }, {}, false), undefined, 'no rule allows it');
    await kernel.close();
  });
});
