import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/index';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

const READ_WRITE =
  'version: 1\ncapabilities:\n  - id: read\n    action: fs.read\n    resource: /workspace/**\n  - id: write\n    action: fs.write\n    resource: /workspace/**\n';
const READ_ONLY = 'version: 1\ncapabilities:\n  - id: read\n    action: fs.read\n    resource: /workspace/**\n';

function setUp(freeze?: () => { reason: string } | undefined): { kernel: Kernel; dir: string; policy: string; log: string } {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'ws'));
  fs.writeFileSync(path.join(dir, 'ws', 'a.txt'), 'a\n');
  const policy = writePolicy(dir, READ_WRITE);
  const log = path.join(dir, 'kernel.log');
  const kernel = new Kernel({
    policy,
    providers: [new FilesystemProvider({ mounts: { '/workspace': path.join(dir, 'ws') } })],
    logPath: log,
    ...(freeze ? { freeze } : {}),
  });
  return { kernel, dir, policy, log };
}

describe('kernel: live policy reload and freeze', () => {
  test('kernel.reloadPolicy: a narrowed run view made before the reload → decides under the new ceiling (no stale grant)', async () => {
    const { kernel, policy } = setUp();
    const view = kernel.narrowed([loadPolicyText(READ_WRITE, 'run.yaml')]);
    assert.equal((await view.submit({ action: 'fs.write', target: '/workspace/b.txt', params: { content: 'b' } })).status, 'OK');
    fs.writeFileSync(policy, READ_ONLY);
    const before = kernel.policyHash;
    const after = kernel.reloadPolicy(policy);
    assert.notEqual(after, before);
    assert.equal(kernel.policyHash, after);
    const write = await view.submit({ action: 'fs.write', target: '/workspace/c.txt', params: { content: 'c' } });
    assert.equal(write.status, 'DENIED');
    assert.equal((await view.submit({ action: 'fs.read', target: '/workspace/a.txt' })).status, 'OK');
    await kernel.close();
  });

  test('kernel.reloadPolicy with an invalid policy → throws, the old policy stays in force', async () => {
    const { kernel, policy } = setUp();
    const before = kernel.policyHash;
    fs.writeFileSync(policy, 'version: 1\ncapabilities:\n  - action: fs.raed\n    resource: /**\n');
    assert.throws(
      () => kernel.reloadPolicy(policy),
      (err: Error & { code?: string }) => err.code === 'Policy.Invalid' && /E_UNKNOWN_ACTION/.test(err.message),
    );
    assert.equal(kernel.policyHash, before);
    assert.equal((await kernel.submit({ action: 'fs.write', target: '/workspace/b.txt', params: { content: 'b' } })).status, 'OK');
    await kernel.close();
  });

  test('kernel freeze: while the check reports a freeze → every action DENIED by agent-os-freeze, one audit record each, nothing written; lifted → allowed', async () => {
    let frozen: { reason: string } | undefined = { reason: 'incident 7' };
    const { kernel, dir, log } = setUp(() => frozen);
    const view = kernel.narrowed([loadPolicyText(READ_WRITE, 'run.yaml')]);
    for (const k of [kernel, view]) {
      const result = await k.submit({ action: 'fs.write', target: '/workspace/b.txt', params: { content: 'b' } });
      assert.equal(result.status, 'DENIED');
      assert.equal(result.ruleId, 'agent-os-freeze');
    }
    assert.equal(fs.existsSync(path.join(dir, 'ws', 'b.txt')), false);
    frozen = undefined;
    assert.equal((await kernel.submit({ action: 'fs.write', target: '/workspace/b.txt', params: { content: 'b' } })).status, 'OK');
    await kernel.close();
    assert.deepEqual(
      readLog(log).map((r) => [r['status'], r['rule_id'] ?? null]),
      [
        ['DENIED', 'agent-os-freeze'],
        ['DENIED', 'agent-os-freeze'],
        ['OK', 'write'],
      ],
    );
    assert.equal(readLog(log)[0]?.['reason'], 'frozen: every action is denied until `agent-os unfreeze` (incident 7)');
  });
});
