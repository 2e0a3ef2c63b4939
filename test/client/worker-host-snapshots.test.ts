/**
 * Red team (undo): a snapshot store inside the agent's workspace hands the agent the records
 * its rollbacks trust — with `fs.write` there it could mark its own destructive write
 * `rolled-back` (its compensation then answers NOOP, silently) or retarget a record. E.g.
 * `agent-os worker --mount /workspace=$HOME` with the default `~/.agent-os/snapshots`. The
 * worker refuses such a store at start (`Client.SnapshotsInWorkspace`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildWorkerHost } from '../../src/worker/worker-host';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

function options(dir: string, workspace: string, snapshotsDir: string) {
  return { policyFile: writePolicy(dir, 'capabilities: []\n'), mounts: { '/workspace': workspace }, logPath: path.join(dir, 'kernel.log'), snapshotsDir };
}

test('buildWorkerHost: a snapshots folder inside a mount (the default ~/.agent-os under a mounted $HOME) → Client.SnapshotsInWorkspace', () => {
  const home = tempDir('agent-os-home-');
  assert.throws(() => buildWorkerHost(options(home, home, path.join(home, '.agent-os', 'snapshots'))), { code: 'Client.SnapshotsInWorkspace' });
  // Through a symlink outside the workspace that leads into it: judged by its real path.
  const other = tempDir('agent-os-other-');
  fs.symlinkSync(home, path.join(other, 'link'));
  assert.throws(() => buildWorkerHost(options(other, home, path.join(other, 'link', 'snaps'))), { code: 'Client.SnapshotsInWorkspace' });
  // A folder whose name starts with two dots is still inside.
  assert.throws(() => buildWorkerHost(options(other, home, path.join(home, '..snaps'))), { code: 'Client.SnapshotsInWorkspace' });
});

test('buildWorkerHost: a mount inside the snapshots folder → Client.SnapshotsInWorkspace; beside it → builds', async () => {
  const root = tempDir('agent-os-state-');
  const ws = path.join(root, 'snaps', 'ws');
  fs.mkdirSync(ws, { recursive: true });
  assert.throws(() => buildWorkerHost(options(root, ws, path.join(root, 'snaps'))), { code: 'Client.SnapshotsInWorkspace' });
  const beside = path.join(root, 'ws2');
  fs.mkdirSync(beside);
  const host = buildWorkerHost(options(root, beside, path.join(root, 'snaps2')));
  await host.close();
});
