/**
 * Red team (undo): a snapshot store inside the agent's workspace hands the agent the records
 * its rollbacks trust — with `fs.write` there it could mark its own destructive write
 * `rolled-back` (its compensation then answers NOOP, silently) or retarget a record. E.g.
 * `agent-os worker --mount /workspace=$HOME` with the default `~/.agent-os/snapshots`. The
 * worker refuses such a store at start (`Client.StateInWorkspace`).
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

/** `options` with the snapshots and the policy outside `workspace` (in `state`), and the log at `logPath`. */
function withLog(state: string, workspace: string, logPath: string) {
  return { ...options(state, workspace, path.join(state, 'snaps')), logPath };
}

test('buildWorkerHost: a snapshots folder inside a mount (the default ~/.agent-os under a mounted $HOME) → Client.StateInWorkspace', () => {
  const home = tempDir('agent-os-home-');
  assert.throws(() => buildWorkerHost(options(home, home, path.join(home, '.agent-os', 'snapshots'))), { code: 'Client.StateInWorkspace' });
  // Through a symlink outside the workspace that leads into it: judged by its real path.
  const other = tempDir('agent-os-other-');
  fs.symlinkSync(home, path.join(other, 'link'));
  assert.throws(() => buildWorkerHost(options(other, home, path.join(other, 'link', 'snaps'))), { code: 'Client.StateInWorkspace' });
  // A folder whose name starts with two dots is still inside.
  assert.throws(() => buildWorkerHost(options(other, home, path.join(home, '..snaps'))), { code: 'Client.StateInWorkspace' });
});

test('buildWorkerHost: a mount inside the snapshots folder → Client.StateInWorkspace; beside it → builds', async () => {
  const root = tempDir('agent-os-state-');
  const ws = path.join(root, 'snaps', 'ws');
  fs.mkdirSync(ws, { recursive: true });
  assert.throws(() => buildWorkerHost(options(root, ws, path.join(root, 'snaps'))), { code: 'Client.StateInWorkspace' });
  const beside = path.join(root, 'ws2');
  fs.mkdirSync(beside);
  const host = buildWorkerHost(options(root, beside, path.join(root, 'snaps2')));
  await host.close();
});

test('buildWorkerHost: the audit log, its head folder or the ceiling policy inside a mount → Client.StateInWorkspace naming it, and nothing is created there', () => {
  const state = tempDir('agent-os-state-');
  const ws = tempDir('agent-os-ws-');
  const logInside = path.join(ws, 'logs', 'kernel.log');
  assert.throws(
    () => buildWorkerHost(withLog(state, ws, logInside)),
    (err: Error & { code?: unknown }) => {
      assert.equal(err.code, 'Client.StateInWorkspace');
      assert.match(err.message, /^the audit log ".*kernel\.log" overlaps the workspace mounted at \/workspace: .* \(--log\)$/);
      return true;
    },
  );
  assert.deepEqual(fs.readdirSync(ws), [], 'no log (nor its folder) was created in the workspace');
  assert.throws(
    () => buildWorkerHost({ ...withLog(state, ws, path.join(state, 'kernel.log')), audit: { headDir: path.join(ws, 'heads') } }),
    /: the audit log's head folder .* \(--audit-head-dir\)$/,
  );
  const policyInside = writePolicy(ws, 'capabilities: []\n');
  assert.throws(
    () => buildWorkerHost({ ...withLog(state, ws, path.join(state, 'kernel.log')), policyFile: policyInside }),
    /: the ceiling policy .* \(--policy\)$/,
  );
  assert.equal(fs.existsSync(path.join(state, 'kernel.log')), false, 'refused before the kernel opened its log');
});

test("buildWorkerHost: the worker's state inside an MCP server's mount or read-only path (its pins, its policy, its log) → Client.StateInWorkspace naming the server; mounts apart from the state → builds (red team 14)", async () => {
  // The server sees its mounts whatever the policy says (a write tool, a link in output/):
  // with the pins file in a writable mount the server could re-approve its own changed tools,
  // with the ceiling policy in one the agent could widen the next worker's grants.
  const state = tempDir('agent-os-state-');
  const ws = tempDir('agent-os-ws-');
  const serversFile = (mount: string, extra = ''): string => {
    const file = path.join(state, `servers-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(
      file,
      [
        'pins: pins.json',
        'servers:',
        '  fs:',
        '    command: [node, server.js]',
        `    mounts: [{ agent: /data, host: ${JSON.stringify(mount)} }]`,
        extra,
        '',
      ].join('\n'),
    );
    return file;
  };
  const build = (mcpServersFile: string) =>
    buildWorkerHost({
      policyFile: writePolicy(state, 'capabilities: []\n'),
      mounts: { '/workspace': ws },
      logPath: path.join(state, 'kernel.log'),
      snapshotsDir: path.join(state, 'snaps'),
      mcpServersFile,
    });
  assert.throws(
    () => build(serversFile(state)),
    (err: Error & { code?: unknown }) => {
      assert.equal(err.code, 'Client.StateInWorkspace');
      assert.match(err.message, /overlaps the workspace mounted at \/data \(MCP server "fs"\)/);
      return true;
    },
  );
  const other = tempDir('agent-os-mcp-data-');
  assert.throws(() => build(serversFile(other, `    read_only_paths: [${JSON.stringify(state)}]`)), { code: 'Client.StateInWorkspace' });
  assert.equal(fs.existsSync(path.join(state, 'kernel.log')), false, 'refused before the kernel opened its log');
  const host = build(serversFile(other));
  await host.close();
});
