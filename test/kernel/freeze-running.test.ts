/**
 * The freeze (emergency stop) stops an action that is already running: a program started
 * before `agent-os freeze` is killed and the submit answers `Kernel.Frozen`, instead of
 * running on until its timeout. Real bubblewrap; the program's process is looked for in /proc.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { ProcessProvider } from '../../src/providers/process';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { makeWorkspace } from '../providers/process-fixture';
import { waitFor } from '../helpers/poll';
import { readLog } from './kernel-helpers';
import { pidsWith } from '../helpers/processes';

describe('freeze: an action already running is stopped', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const policy = loadPolicyText(
    [
      'version: 1',
      'capabilities:',
      '  - { id: sleep, action: proc.exec, resource: sleep, constraint: { args: ["*"], timeout_ms: 600000 } }',
      '  - { id: write, action: fs.write, resource: /workspace/** }',
      '',
    ].join('\n'),
    'freeze.yaml',
  );

  test('a program running when the freeze is set → killed, ERROR Kernel.Frozen with the reason; the next action is denied by the freeze (it ran on before)', async () => {
    const freeze: { now?: { reason: string } } = {};
    const logPath = path.join(root, 'kernel.log');
    const kernel = new Kernel({
      policy,
      providers: [new ProcessProvider({ mounts: { '/workspace': ws } }), new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath,
      timeoutMs: 600_000,
      freeze: () => freeze.now,
    });
    const marker = `${5000 + randomInt(1000)}.${randomInt(1_000_000)}`;
    const running = kernel.submit({ action: 'proc.exec', target: 'sleep', params: { args: [marker], timeout_ms: 600_000 } });
    await waitFor(() => pidsWith(marker).length > 0, 'the sleeping program');
    freeze.now = { reason: 'by ops: incident 7' };
    await waitFor(() => pidsWith(marker).length === 0, 'the program killed by the freeze');
    const result = await running;
    const next = await kernel.submit({ action: 'fs.write', target: '/workspace/x.txt', params: { content: 'x' } });
    await kernel.close();
    assert.equal(result.status, 'ERROR', JSON.stringify(result));
    assert.equal(result.code, 'Kernel.Frozen');
    assert.match(result.error ?? '', /stopped by the freeze \(by ops: incident 7\)/);
    assert.equal(next.status, 'DENIED');
    assert.equal(fs.existsSync(path.join(ws, 'x.txt')), false);
    assert.deepEqual(
      readLog(logPath).map((r) => [r['action'], r['status'], r['code']]),
      [
        ['proc.exec', 'ERROR', 'Kernel.Frozen'],
        ['fs.write', 'DENIED', 'Policy.Denied'],
      ],
    );
  });

  test('without a freeze, a running action is not stopped by the watch → OK', async () => {
    let asked = 0;
    const kernel = new Kernel({
      policy,
      providers: [new ProcessProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(root, 'kernel-2.log'),
      freeze: () => {
        asked += 1;
        return undefined;
      },
    });
    const result = await kernel.submit({ action: 'proc.exec', target: 'sleep', params: { args: ['0.6'] } });
    await kernel.close();
    assert.equal(result.status, 'OK', JSON.stringify(result));
    assert.ok(asked >= 2, `the freeze was asked ${asked} times (at the decision and while it ran)`);
  });
});
