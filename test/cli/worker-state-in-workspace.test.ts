/**
 * `agent-os worker` refuses to start when a file of its own lies inside a folder it mounts for
 * the agent: the agent could delete the freeze file that stops it, read the codec keys, or
 * rewrite the config and modules the next start loads (worker-host-state.test.ts: the files the
 * host itself opens). Exit 2 before anything is loaded, created or connected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';
import { cliSync } from './worker-harness';

test('worker: the freeze file, the codec keys file or the config file inside a mount → exit 2 naming it and the flag that moves it; nothing created in the workspace', () => {
  const state = tempDir('agent-os-state-');
  const ws = tempDir('agent-os-ws-');
  const base = ['worker', '--mount', `/workspace=${ws}`, '--policy', writePolicy(state, 'capabilities: []\n'), '--log', path.join(state, 'kernel.log')];
  base.push('--snapshots', path.join(state, 'snaps'));
  // No TEMPORAL_ADDRESS is needed: the check comes first.
  const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

  const freeze = cliSync([...base, '--freeze-file', path.join(ws, 'freeze')], env);
  assert.equal(freeze.status, 2, freeze.stderr);
  assert.match(freeze.stderr, /^agent-os worker: the freeze file ".*freeze" overlaps the workspace mounted at \/workspace: .* \(--freeze-file\)\n$/);

  const keys = path.join(ws, 'keys');
  fs.writeFileSync(keys, 'not read: refused before');
  const codec = cliSync([...base, '--freeze-file', path.join(state, 'freeze'), '--codec-keys', keys], env);
  assert.equal(codec.status, 2, codec.stderr);
  assert.match(codec.stderr, /the codec keys file .* \(--codec-keys\)\n$/);

  const config = path.join(ws, 'worker.yaml');
  fs.writeFileSync(config, `freezeFile: ${path.join(state, 'freeze')}\n`);
  const viaConfig = cliSync([...base, '--config', config], env);
  assert.equal(viaConfig.status, 2, viaConfig.stderr);
  assert.match(viaConfig.stderr, /the worker config .* \(--config\)\n$/);

  assert.deepEqual(fs.readdirSync(ws).sort(), ['keys', 'worker.yaml']);
  assert.equal(fs.existsSync(path.join(state, 'kernel.log')), false);
  assert.equal(fs.existsSync(path.join(state, 'snaps')), false);
});

test("worker: the codec keys file inside an MCP server's mount → exit 2 naming the server's mount; nothing created (red team 14)", () => {
  const state = tempDir('agent-os-state-');
  const ws = tempDir('agent-os-ws-');
  const secrets = tempDir('agent-os-secrets-');
  const keys = path.join(secrets, 'keys');
  fs.writeFileSync(keys, 'not read: refused before');
  const servers = path.join(state, 'servers.yaml');
  fs.writeFileSync(
    servers,
    `servers:\n  fs:\n    command: [node, server.js]\n    mounts: [{ agent: /data, host: ${JSON.stringify(secrets)}, read_only: true }]\n`,
  );
  const args = ['worker', '--mount', `/workspace=${ws}`, '--policy', writePolicy(state, 'capabilities: []\n'), '--log', path.join(state, 'kernel.log')];
  args.push('--snapshots', path.join(state, 'snaps'), '--freeze-file', path.join(state, 'freeze'), '--mcp', servers, '--codec-keys', keys);
  const r = cliSync(args, { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /the codec keys file .* overlaps the workspace mounted at \/data \(MCP server "fs"\): .* \(--codec-keys\)\n$/);
  assert.equal(fs.existsSync(path.join(state, 'kernel.log')), false);
});
