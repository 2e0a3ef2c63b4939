/**
 * The worker's Temporal connection can come from env-config's profile file without any flag or
 * variable naming it: `$XDG_CONFIG_HOME/temporalio/temporal.toml` (else `~/.config/…`), and the
 * profile names its own mTLS key, certificate and CA files. Inside a mount, the agent could read
 * the worker's key or API key (and act as the worker: approve its own asks), or write a profile
 * the next start connects with. `agent-os worker` refuses those too: exit 2, before anything is
 * loaded or connected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';
import { cliSync } from './worker-harness';

function setup(ws: string): string[] {
  const state = tempDir('agent-os-state-');
  const base = ['worker', '--mount', `/workspace=${ws}`, '--policy', writePolicy(state, 'capabilities: []\n'), '--log', path.join(state, 'kernel.log')];
  base.push('--snapshots', path.join(state, 'snaps'), '--freeze-file', path.join(state, 'freeze'), '--ready-file', path.join(state, 'ready'));
  return base;
}

/** An environment without the connection variables of the test's own shell. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
  for (const name of [
    'TEMPORAL_CONFIG_FILE',
    'TEMPORAL_PROFILE',
    'TEMPORAL_TLS_CLIENT_KEY_PATH',
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  ])
    env[name] = '';
  return { ...env, ...extra };
}

test("worker: env-config's default profile file inside a mount (XDG_CONFIG_HOME or ~/.config there) → exit 2 naming it, also when it does not exist yet", () => {
  const ws = tempDir('agent-os-ws-');
  const base = setup(ws);
  const viaXdg = cliSync(base, cleanEnv({ XDG_CONFIG_HOME: path.join(ws, '.config') }));
  assert.equal(viaXdg.status, 2, viaXdg.stderr);
  assert.match(viaXdg.stderr, /the Temporal config file ".*temporalio\/temporal\.toml" overlaps the workspace mounted at \/workspace/);
  const home = path.join(ws, 'home');
  fs.mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
  fs.writeFileSync(path.join(home, '.config', 'temporalio', 'temporal.toml'), '[profile.default]\napi_key = "sk-secret"\n');
  const viaHome = cliSync(base, cleanEnv({ HOME: home, XDG_CONFIG_HOME: '' }));
  assert.equal(viaHome.status, 2, viaHome.stderr);
  assert.match(viaHome.stderr, /the Temporal config file ".*\.config\/temporalio\/temporal\.toml"/);
  assert.doesNotMatch(viaHome.stderr + viaHome.stdout, /sk-secret/);
});

test('worker: a profile (outside every mount) whose mTLS key, certificate or CA lies inside a mount → exit 2 naming the file', () => {
  const ws = tempDir('agent-os-ws-');
  const base = setup(ws);
  const outside = tempDir('agent-os-conf-');
  const key = path.join(ws, 'client.key');
  fs.writeFileSync(key, 'not read: refused before');
  for (const [field, what] of [
    ['client_key_path', 'the Temporal client key'],
    ['client_cert_path', 'the Temporal client certificate'],
    ['server_ca_cert_path', 'the Temporal server CA'],
  ] as const) {
    const config = path.join(outside, `${field}.toml`);
    fs.writeFileSync(config, `[profile.default]\naddress = "127.0.0.1:1"\n[profile.default.tls]\n${field} = ${JSON.stringify(key)}\n`);
    const run = cliSync(base, cleanEnv({ TEMPORAL_CONFIG_FILE: config, XDG_CONFIG_HOME: outside }));
    assert.equal(run.status, 2, `${field}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`${what} ".*client\\.key" overlaps the workspace mounted at /workspace`), field);
  }
  // A named profile is the one judged.
  const named = path.join(outside, 'named.toml');
  fs.writeFileSync(named, `[profile.prod]\naddress = "127.0.0.1:1"\n[profile.prod.tls]\nclient_key_path = ${JSON.stringify(key)}\n`);
  const run = cliSync(base, cleanEnv({ TEMPORAL_CONFIG_FILE: named, TEMPORAL_PROFILE: 'prod', XDG_CONFIG_HOME: outside }));
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /the Temporal client key/);
});
