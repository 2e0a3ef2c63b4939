/**
 * Red team 14b: an `ask` rule with history-aware keys (`max_calls`, `requires`) is a
 * restriction like any ask — the run's own history must never turn it into an allow. It did:
 * once its `max_calls` was used up (or while its `requires` was unmet) the ask rule stopped
 * matching, evaluation went on to the capabilities, and a capability over the same target
 * allowed the write with nobody asked. The agent controls the history (it makes the calls),
 * so it could exhaust the ask with one approved call and then write freely.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/index';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

const CEILING = `
capabilities:
  - id: write-workspace
    action: fs.write
    resource: /workspace/**
  - id: review
    action: fs.read
    resource: /workspace/review.md
ask:
  - id: ask-deploy
    action: fs.write
    resource: /workspace/deploy/**
    max_calls: 1
  - id: ask-publish
    action: fs.write
    resource: /workspace/public/**
    requires: review
`;

function setUp(narrow?: string) {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  for (const d of ['deploy', 'public']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  fs.writeFileSync(path.join(ws, 'review.md'), 'reviewed\n');
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({
    policy: writePolicy(dir, CEILING),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
    logPath,
  });
  const run = narrow === undefined ? kernel : kernel.narrowed([loadPolicyText(narrow, 'run.yaml')]);
  return { ws, kernel, run, logPath };
}
const alice = { approver: 'alice' };
const write = (target: string) => ({ action: 'fs.write', target, params: { content: 'pwned' } });

describe('redteam14b: history never turns a ceiling ask into an allow', () => {
  test('max_calls on an ask: after the one approved call, the next write under it is denied, not allowed without approval', async () => {
    const { ws, kernel, run, logPath } = setUp();
    const first = await run.submit(write('/workspace/deploy/a'), { approval: alice });
    const second = await run.submit(write('/workspace/deploy/b'));
    await kernel.close();
    assert.equal(first.status, 'OK', first.reason);
    assert.equal(second.status, 'DENIED', `the used-up ask let a capability allow it without approval: ${second.reason}`);
    assert.equal(fs.existsSync(path.join(ws, 'deploy', 'b')), false);
    const records = readLog(logPath).filter((r) => r['target'] === '/workspace/deploy/b');
    assert.deepEqual(
      records.map((r) => [r['status'], r['code']]),
      [['DENIED', 'Policy.Denied']],
    );
    assert.match(String(records[0]?.['reason']), /ask-deploy/);
  });

  test('requires on an ask: while the requirement is unmet the write is denied, not allowed without approval', async () => {
    const { ws, kernel, run } = setUp();
    const early = await run.submit(write('/workspace/public/p.html'));
    const read = await run.submit({ action: 'fs.read', target: '/workspace/review.md' });
    const unapproved = await run.submit(write('/workspace/public/q.html'));
    const approved = await run.submit(write('/workspace/public/r.html'), { approval: alice });
    await kernel.close();
    assert.equal(early.status, 'DENIED', `the unmet requirement dropped the ask and a capability allowed it: ${early.reason}`);
    assert.equal(fs.existsSync(path.join(ws, 'public', 'p.html')), false);
    assert.equal(read.status, 'OK');
    assert.deepEqual([unapproved.status, unapproved.code], ['DENIED', 'Kernel.ApprovalRequired'], 'met: it asks again');
    assert.equal(approved.status, 'OK', approved.reason);
  });

  test('through a run policy that allows everything: the ceiling’s used-up ask still denies', async () => {
    const { ws, kernel, run } = setUp('capabilities:\n  - action: fs.write\n    resource: /workspace/**\n');
    const first = await run.submit(write('/workspace/deploy/a'), { approval: alice });
    const second = await run.submit(write('/workspace/deploy/b'));
    await kernel.close();
    assert.equal(first.status, 'OK', first.reason);
    assert.equal(second.status, 'DENIED', second.reason);
    assert.equal(fs.existsSync(path.join(ws, 'deploy', 'b')), false);
  });

  test('an ask without history keys beside the used-up one still asks (an approval still lets it run)', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'deploy'), { recursive: true });
    const kernel = new Kernel({
      policy: writePolicy(dir, `${CEILING}  - id: ask-deploy-always\n    action: fs.write\n    resource: /workspace/deploy/**\n`),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(dir, 'kernel.log'),
    });
    const first = await kernel.submit(write('/workspace/deploy/a'), { approval: alice });
    const asked = await kernel.decide(write('/workspace/deploy/b'));
    const second = await kernel.submit(write('/workspace/deploy/b'), { approval: alice });
    await kernel.close();
    assert.equal(first.status, 'OK', first.reason);
    assert.deepEqual([asked.effect, asked.ruleId], ['ask', 'ask-deploy-always'], asked.reason);
    assert.equal(second.status, 'OK', second.reason);
  });
});
