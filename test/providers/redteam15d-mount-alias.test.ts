/**
 * Red team 15d: a file reachable through two mounts has two agent paths, and a deny or ask rule on
 * one of them covers the other. Mounting a folder and a folder inside it at two mount points
 * (`{ '/workspace': ws, '/data': ws/data }`, or one folder twice as test/providers/filesystem.test.ts
 * does) gave `ws/data/proj/secret/key` the names `/workspace/data/proj/secret/key` and `/data/proj/secret/key`; the provider judged each by
 * the mount it was reached through, so a deny of `/workspace/data/proj/secret/**` did not stop a read
 * of `/data/proj/secret/key`, and a recursive delete of `/data/proj` removed the protected folder. The provider now reports the other names (`aliases`), which
 * deny and ask rules match as they match a program's other names; grants never do.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

const POLICY = `
capabilities:
  - id: workspace
    action: fs.*
    resource: /workspace/**
  - id: data
    action: fs.*
    resource: /data/**
  - id: data-trees
    action: fs.delete
    resource: /data/**
    constraint: { recursive: true }
deny:
  - id: no-secrets
    action: fs.*
    resource: /workspace/data/proj/secret/**
ask:
  - id: ask-reports
    action: fs.write
    resource: /workspace/data/reports/**
`;

function setup() {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'data', 'proj', 'secret'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'data', 'reports'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'data', 'proj', 'secret', 'key'), 'hunter2');
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({
    policy: writePolicy(dir, POLICY),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws, '/data': path.join(ws, 'data') } })],
    logPath,
  });
  return { ws, kernel, logPath };
}

describe('redteam15d: a file under two mounts is not a way round a deny or ask rule', () => {
  test('fs.read of /data/proj/secret/key under a deny of /workspace/data/proj/secret/** → DENIED, nothing read', async () => {
    const { kernel, logPath } = setup();
    const r = await kernel.submit({ action: 'fs.read', target: '/data/proj/secret/key' });
    const direct = await kernel.submit({ action: 'fs.read', target: '/workspace/data/proj/secret/key' });
    await kernel.close();
    assert.equal(r.status, 'DENIED', `read through the other mount: ${JSON.stringify(r.data)}`);
    assert.equal(JSON.stringify(r).includes('hunter2'), false);
    assert.match(r.reason ?? '', /no-secrets.*as \/workspace\/data\/proj\/secret\/key/);
    assert.equal(direct.status, 'DENIED');
    assert.deepEqual(
      readLog(logPath).map((x) => [x['status'], x['rule_id']]),
      [
        ['DENIED', 'no-secrets'],
        ['DENIED', 'no-secrets'],
      ],
    );
  });

  test('fs.write of /data/reports/q.csv under an ask of /workspace/data/reports/** → asks; nothing written', async () => {
    const { ws, kernel } = setup();
    const r = await kernel.submit({ action: 'fs.write', target: '/data/reports/q.csv', params: { content: 'x' } });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['DENIED', 'Kernel.ApprovalRequired'], r.reason);
    assert.equal(fs.existsSync(path.join(ws, 'data', 'reports', 'q.csv')), false);
  });

  test('recursive fs.delete of /data/proj, which holds the denied secret/ → Fs.Protected, nothing removed', async () => {
    const { ws, kernel } = setup();
    const r = await kernel.submit({ action: 'fs.delete', target: '/data/proj', params: { recursive: true } });
    await kernel.close();
    assert.equal(fs.readFileSync(path.join(ws, 'data', 'proj', 'secret', 'key'), 'utf8'), 'hunter2', `deleted: ${r.status} ${r.reason ?? ''}`);
    assert.deepEqual([r.status, r.code], ['ERROR', 'Fs.Protected'], r.reason);
  });

  test('grants do not widen: the other name of a file grants nothing', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'data'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'data', 'a.txt'), 'a');
    const kernel = new Kernel({
      policy: writePolicy(dir, 'capabilities:\n  - action: fs.read\n    resource: /workspace/**\n'),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws, '/data': path.join(ws, 'data') } })],
      logPath: path.join(dir, 'kernel.log'),
    });
    const r = await kernel.submit({ action: 'fs.read', target: '/data/a.txt' });
    const ok = await kernel.submit({ action: 'fs.read', target: '/workspace/data/a.txt' });
    await kernel.close();
    assert.equal(r.status, 'DENIED');
    assert.equal(ok.status, 'OK');
  });
});
