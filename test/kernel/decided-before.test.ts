/**
 * `SubmitOptions.decided` (red team 11): what a caller decided and recorded before the submit
 * (and a person approved) must still be the decision at use time, or nothing runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = `capabilities:
  - action: fs.write
    resource: /workspace/output/**
ask:
  - id: ask-staging
    action: fs.write
    resource: /workspace/staging/**
  - id: ask-prod
    action: fs.write
    resource: /workspace/prod/**
`;

function setup() {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  for (const d of ['output', 'staging', 'prod', 'forbidden']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
  const repoint = (link: string, to: string) => {
    fs.rmSync(path.join(ws, link), { force: true });
    fs.symlinkSync(to, path.join(ws, link));
  };
  return { ws, kernel, logPath, repoint };
}

const write = (target: string) => ({ action: 'fs.write', target, params: { content: 'x' } });
const alice = { approver: 'alice' };

describe('Kernel.submit with decided', () => {
  test('decided: an approval given for staging/ does not run once the link leads to prod/ (DENIED Kernel.DecisionChanged)', async () => {
    const { ws, kernel, logPath, repoint } = setup();
    repoint('current', 'staging');
    const before = await kernel.decide(write('/workspace/current/app.conf'));
    assert.deepEqual([before.effect, before.target], ['ask', '/workspace/staging/app.conf']);
    repoint('current', 'prod');
    const result = await kernel.submit(write('/workspace/current/app.conf'), { approval: alice, decided: { effect: 'ask', target: before.target! } });
    await kernel.close();
    assert.deepEqual([result.status, result.code], ['DENIED', 'Kernel.DecisionChanged']);
    assert.match(result.reason ?? '', /now resolves to \/workspace\/prod\/app\.conf, not \/workspace\/staging\/app\.conf as decided and approved/);
    assert.equal(fs.existsSync(path.join(ws, 'prod', 'app.conf')), false);
    assert.deepEqual(
      readLog(logPath).map((r) => [r['status'], r['code']]),
      [['DENIED', 'Kernel.DecisionChanged']],
    );
  });

  test('decided: a request decided deny does not run when it is allowed at use time', async () => {
    const { ws, kernel, repoint } = setup();
    repoint('link', 'forbidden');
    const before = await kernel.decide(write('/workspace/link/x'));
    assert.equal(before.effect, 'deny');
    repoint('link', 'output');
    const result = await kernel.submit(write('/workspace/link/x'), { decided: { effect: 'deny', target: before.target! } });
    assert.deepEqual([result.status, result.code], ['DENIED', 'Kernel.DecisionChanged']);
    // Without a target too (a caller that only knows the effect).
    const bare = await kernel.submit(write('/workspace/output/y'), { decided: { effect: 'deny' } });
    await kernel.close();
    assert.deepEqual([bare.status, bare.code], ['DENIED', 'Kernel.DecisionChanged']);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'output')), []);
  });

  test('decided: the same decision at use time runs as before (allow, and an approved ask)', async () => {
    const { ws, kernel } = setup();
    const ok = await kernel.submit(write('/workspace/output/a'), { decided: { effect: 'allow', target: '/workspace/output/a' } });
    const approved = await kernel.submit(write('/workspace/staging/b'), { approval: alice, decided: { effect: 'ask', target: '/workspace/staging/b' } });
    // Decided allow, asks now: the fresh (stricter) decision stands — no approval, so not run.
    const stricter = await kernel.submit(write('/workspace/staging/c'), { decided: { effect: 'allow', target: '/workspace/staging/c' } });
    await kernel.close();
    assert.deepEqual([ok.status, approved.status], ['OK', 'OK']);
    assert.deepEqual([stricter.status, stricter.code], ['DENIED', 'Kernel.ApprovalRequired']);
    assert.equal(fs.readFileSync(path.join(ws, 'staging', 'b'), 'utf8'), 'x');
  });

  test('decided: a malformed value refuses the submit (ERROR Kernel.MalformedRequest), nothing runs', async () => {
    const { ws, kernel } = setup();
    const results = [];
    for (const decided of [{ effect: 'maybe' }, { effect: 'allow', target: 3 }, 'allow', [], { effect: 'allow', target: '' }]) {
      results.push(await kernel.submit(write('/workspace/output/a'), { decided } as never));
    }
    await kernel.close();
    assert.deepEqual(
      results.map((r) => [r.status, r.code]),
      results.map(() => ['ERROR', 'Kernel.MalformedRequest']),
    );
    assert.deepEqual(fs.readdirSync(path.join(ws, 'output')), []);
  });
});
