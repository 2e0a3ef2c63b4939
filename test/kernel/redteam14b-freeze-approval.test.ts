/**
 * Red team 14b: the emergency stop holds for an action whose approval was pending when the
 * operator froze the workers. The kernel asked the freeze only when it decided, before the
 * `approve` callback; a person (or an approval bot) answering yes after `agent-os freeze` let
 * the write through, frozen as the worker was.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = 'ask:\n  - id: ask-write\n    action: fs.write\n    resource: /workspace/**\n';

describe('redteam14b: a freeze while an approval is pending', () => {
  test('frozen while the approve callback waits → DENIED by agent-os-freeze, nothing written, one record', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'ws'));
    const logPath = path.join(dir, 'kernel.log');
    let frozen: { reason: string } | undefined;
    const kernel = new Kernel({
      policy: writePolicy(dir, POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': path.join(dir, 'ws') } })],
      logPath,
      freeze: () => frozen,
      // The person answers after the operator froze the workers.
      approve: async () => {
        frozen = { reason: 'incident 8' };
        return true;
      },
    });
    const result = await kernel.submit({ action: 'fs.write', target: '/workspace/x.txt', params: { content: 'x' } });
    await kernel.close();
    assert.equal(fs.existsSync(path.join(dir, 'ws', 'x.txt')), false, 'the approved write ran although the worker was frozen');
    assert.deepEqual([result.status, result.ruleId], ['DENIED', 'agent-os-freeze'], result.reason);
    assert.deepEqual(
      readLog(logPath).map((r) => [r['status'], r['rule_id']]),
      [['DENIED', 'agent-os-freeze']],
    );
  });
});
