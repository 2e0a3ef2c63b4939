/**
 * Red team 14b: an ask rule's constraint globs are not dodged by a dot-segment. The reference
 * says an ask rule judged as a restriction (a capability allows the request) matches dot-files,
 * "so an ask can't be dodged by one" — for its resource. Its `cwd`, `args` and `params` globs were
 * still compiled as a grant's, which never match a dot-segment: `make` in /workspace/prod/.build
 * and a `kv.put` of prod/.secret fell outside the ask and a capability allowed them unasked.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { ProcessProvider } from '../../src/providers/process';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

describe('redteam14b: a dot-segment does not dodge an ask rule’s cwd, args or params', () => {
  test('proc.exec in a dot-folder under the ask’s cwd → asks (touch ran there, unasked)', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(path.join(ws, 'prod', '.build'), { recursive: true });
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(
        dir,
        `
capabilities:
  - id: touch-anywhere
    action: proc.exec
    resource: touch
ask:
  - id: ask-prod
    action: proc.exec
    resource: touch
    constraint: { cwd: /workspace/prod/** }
  - id: ask-prod-paths
    action: proc.exec
    resource: touch
    constraint: { args: ['/workspace/prod/**'] }
`,
      ),
      providers: [new ProcessProvider({ mounts: { '/workspace': ws } })],
      logPath,
    });
    const inDot = await kernel.submit({ action: 'proc.exec', target: 'touch', params: { args: ['DEPLOYED'], cwd: '/workspace/prod/.build' } });
    const argDot = await kernel.submit({ action: 'proc.exec', target: 'touch', params: { args: ['/workspace/prod/.hidden'], cwd: '/workspace' } });
    await kernel.close();
    assert.deepEqual([inDot.status, inDot.code], ['DENIED', 'Kernel.ApprovalRequired'], `ran in prod/.build unasked: ${inDot.reason}`);
    assert.equal(fs.existsSync(path.join(ws, 'prod', '.build', 'DEPLOYED')), false);
    assert.deepEqual([argDot.status, argDot.code], ['DENIED', 'Kernel.ApprovalRequired'], `touched prod/.hidden unasked: ${argDot.reason}`);
    assert.equal(fs.existsSync(path.join(ws, 'prod', '.hidden')), false);
    assert.deepEqual(
      readLog(logPath).map((r) => [r['status'], r['rule_id']]),
      [
        ['DENIED', 'ask-prod'],
        ['DENIED', 'ask-prod-paths'],
      ],
    );
  });

  test('a custom action whose params glob the ask names, with a dot-segment → asks; the provider never runs', async () => {
    const dir = tempDir();
    const kv = new SpyProvider('kv', ['kv.put']);
    const kernel = new Kernel({
      policy: writePolicy(
        dir,
        `
capabilities:
  - id: put-anything
    action: kv.put
    resource: 'store/**'
ask:
  - id: ask-prod-keys
    action: kv.put
    resource: 'store/**'
    constraint: { params: { key: 'prod/**' } }
`,
      ),
      providers: [kv],
      logPath: path.join(dir, 'kernel.log'),
    });
    const plain = await kernel.submit({ action: 'kv.put', target: 'store/main', params: { key: 'prod/db', value: 'x' } });
    const dotted = await kernel.submit({ action: 'kv.put', target: 'store/main', params: { key: 'prod/.secret', value: 'x' } });
    await kernel.close();
    assert.deepEqual([plain.status, plain.code], ['DENIED', 'Kernel.ApprovalRequired']);
    assert.deepEqual([dotted.status, dotted.code], ['DENIED', 'Kernel.ApprovalRequired'], `put prod/.secret unasked: ${dotted.reason}`);
    assert.equal(kv.executed.length, 0);
  });
});
