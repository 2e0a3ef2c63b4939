/**
 * Review 12: files the worker reads or writes that today's check (worker-state-in-workspace)
 * left out. Inside a mount the agent's fs tools read the worker's Temporal credentials (and
 * then approve its own asks as the worker), rewrite the code the next start runs, or plant a
 * link where the worker writes its ready file (the write follows it). Exit 2 before anything
 * is loaded, connected or written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';
import { cliSync, CLI } from './worker-harness';

function setup(ws: string): { base: string[]; state: string } {
  const state = tempDir('agent-os-state-');
  const base = ['worker', '--mount', `/workspace=${ws}`, '--policy', writePolicy(state, 'capabilities: []\n'), '--log', path.join(state, 'kernel.log')];
  base.push('--snapshots', path.join(state, 'snaps'), '--freeze-file', path.join(state, 'freeze'), '--ready-file', path.join(state, 'ready'));
  return { base, state };
}
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

test('review12: the mTLS client key or certificate, the CA, or the Temporal config file inside a mount → exit 2 naming it (flag or environment)', () => {
  const ws = tempDir('agent-os-ws-');
  const { base } = setup(ws);
  const key = path.join(ws, 'client.key');
  fs.writeFileSync(key, 'not read: refused before');
  for (const [args, extraEnv, what] of [
    [['--tls-key-path', key], {}, /the Temporal client key .* \(--tls-key-path\)/],
    [[], { TEMPORAL_TLS_CLIENT_KEY_PATH: key }, /the Temporal client key .* \(--tls-key-path\)/],
    [['--tls-cert-path', key], {}, /the Temporal client certificate/],
    [['--tls-ca-path', key], {}, /the Temporal server CA/],
    [['--config-file', path.join(ws, 'temporal.toml')], {}, /the Temporal config file .* \(--config-file\)/],
  ] as const) {
    const run = cliSync([...base, ...args], { ...env, ...extraEnv });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /overlaps the workspace mounted at \/workspace/);
    assert.match(run.stderr, what);
  }
  assert.deepEqual(fs.readdirSync(ws), ['client.key']);
});

test('review12: the ready file inside a mount → exit 2 (the agent could plant a link the worker writes through)', () => {
  const ws = tempDir('agent-os-ws-');
  const { base } = setup(ws);
  const run = cliSync([...base, '--ready-file', path.join(ws, 'ready')], env);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /the ready file .* \(--ready-file\)/);
});

test("review12: agent-os's own code inside a mount (e.g. installed in the project the agent works on) → exit 2", () => {
  const install = path.resolve(path.dirname(CLI), '..', '..', '..');
  const { base } = setup(install);
  const run = cliSync(base, env);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /agent-os's own code .* overlaps the workspace mounted at \/workspace/);
});

test('review12: a workspace inside the checkout (README: --mount /workspace=$PWD/deploy/workspace) is not refused for it', () => {
  const install = path.resolve(path.dirname(CLI), '..', '..', '..');
  const { base } = setup(path.join(install, 'deploy', 'workspace'));
  const run = cliSync(base, env);
  assert.doesNotMatch(run.stderr, /overlaps the workspace/);
});
