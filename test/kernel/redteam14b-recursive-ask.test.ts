/**
 * Red team 14b: a recursive delete must not dodge an `ask` rule that covers its target. The
 * policy reference says an ask rule "that covers the folder itself asks for the whole tree";
 * it did not: an ask rule without `recursive: true` refused the recursive request (grant
 * semantics of `recursive`), evaluation went on to a capability granting recursive deletes,
 * and the whole folder went without a person asked — while deleting one file there asked.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

const CEILING = `
capabilities:
  - id: clean-workspace
    action: fs.delete
    resource: /workspace/**
    constraint: { recursive: true }
  - id: clean-caches
    action: fs.delete
    resource: /workspace/**/.cache
    constraint: { recursive: true }
ask:
  - id: ask-deploy
    action: fs.delete
    resource: /workspace/deploy/**
`;

function setUp(policy = CEILING) {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  for (const d of ['deploy/app', 'deploy/.cache', 'tmp/old']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  for (const f of ['deploy/app/server.js', 'deploy/.cache/x', 'tmp/old/x']) fs.writeFileSync(path.join(ws, f), 'x\n');
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({ policy: writePolicy(dir, policy), providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
  return { ws, kernel, logPath };
}
const del = (target: string) => ({ action: 'fs.delete', target, params: { recursive: true } });

describe('redteam14b: a recursive delete asks where an ask rule covers its target', () => {
  test('a recursive delete of a folder under an ask rule waits for a person (it ran unapproved)', async () => {
    const { ws, kernel, logPath } = setUp();
    const unapproved = await kernel.submit(del('/workspace/deploy/app'));
    const exists = fs.existsSync(path.join(ws, 'deploy', 'app', 'server.js'));
    const decided = await kernel.decide(del('/workspace/deploy/app'));
    const approved = await kernel.submit(del('/workspace/deploy/app'), { approval: { approver: 'alice' } });
    await kernel.close();
    assert.deepEqual([unapproved.status, unapproved.code], ['DENIED', 'Kernel.ApprovalRequired'], `ran without approval: ${unapproved.reason}`);
    assert.equal(exists, true, 'the tree was deleted with nobody asked');
    assert.deepEqual([decided.effect, decided.ruleId], ['ask', 'ask-deploy'], decided.reason);
    assert.equal(approved.status, 'OK', approved.reason);
    assert.equal(fs.existsSync(path.join(ws, 'deploy', 'app')), false);
    const records = readLog(logPath).filter((r) => r['target'] === '/workspace/deploy/app');
    assert.deepEqual(
      records.map((r) => [r['status'], r['approved_by']]),
      [
        ['DENIED', undefined],
        ['OK', 'alice'],
      ],
    );
  });

  test('a dot-folder under the ask rule (judged as a restriction) asks too', async () => {
    const { ws, kernel } = setUp();
    const unapproved = await kernel.submit(del('/workspace/deploy/.cache'));
    await kernel.close();
    assert.deepEqual([unapproved.status, unapproved.code], ['DENIED', 'Kernel.ApprovalRequired'], unapproved.reason);
    assert.equal(fs.existsSync(path.join(ws, 'deploy', '.cache', 'x')), true);
  });

  test('outside the ask rule nothing changes: the capability deletes the tree; and no capability granting recursion, still no recursive delete', async () => {
    const { ws, kernel } = setUp();
    const outside = await kernel.submit(del('/workspace/tmp/old'));
    await kernel.close();
    assert.equal(outside.status, 'OK', outside.reason);
    assert.equal(fs.existsSync(path.join(ws, 'tmp', 'old')), false);
    const only = setUp('ask:\n  - id: ask-deploy\n    action: fs.delete\n    resource: /workspace/deploy/**\n');
    const decided = await only.kernel.decide(del('/workspace/deploy/app'));
    await only.kernel.close();
    assert.equal(decided.effect, 'deny', decided.reason);
  });
});
