/**
 * Hostile process requests: argv and shell injection, program-name tricks, environment
 * injection and leaks, working folders outside the workspace, output floods, sleeps and a
 * bounded forker under timeouts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forkedPids, forkerScript, waitUntilNone } from '../helpers/processes';
import { runAdversarialTable, type AdversarialCase } from './adversarial-runner';

type Out = { stdout: string; stderr: string; stdoutTruncated: boolean; timedOut: boolean; exitCode: number | null };
const out = (data: unknown): Out => data as Out;
const exec = (target: string, params: Record<string, unknown> = {}): { action: string; target: string; params: Record<string, unknown> } => ({
  action: 'proc.exec',
  target,
  params: { cwd: '/workspace', ...params },
});
const pwned = '/workspace/output/pwned';

// Programs print pids of their sandbox's PID namespace: the forker's run is tagged instead.
const forkerToken = `adv-forker-${process.pid}`;

// The worker's own environment holds a secret that no child may inherit.
process.env['AOK_WORKER_SECRET'] = 'worker-secret-do-not-leak';

const cases: AdversarialCase[] = [
  {
    name: 'proc argv: $(touch …) in an argument is text, never a shell → OK, echoed literally',
    expect: 'OK',
    request: exec('echo', { args: [`$(touch ${pwned})`, '; touch x', '`id`'] }),
    check: (r, s) => {
      assert.equal(out(r.data).stdout, `$(touch ${pwned}) ; touch x \`id\`\n`);
      assert.equal(fs.existsSync(path.join(s.ws, 'output', 'pwned')), false);
    },
  },
  { name: 'proc program: "echo; touch x" as the program name → DENIED', expect: 'DENIED', request: exec('echo; touch x') },
  { name: 'proc program: sh -c is not allowed → DENIED', expect: 'DENIED', request: exec('sh', { args: ['-c', 'touch /tmp/x'] }) },
  { name: 'proc program: /bin/echo by path is not "echo" → DENIED', expect: 'DENIED', request: exec('/bin/echo', { args: ['x'] }) },
  { name: 'proc program: ../../bin/sh → DENIED', expect: 'DENIED', request: exec('../../bin/sh') },
  {
    name: 'proc program: an "echo" planted in the workspace is never run → the fixed PATH wins',
    expect: 'OK',
    setup: (s) => {
      fs.writeFileSync(path.join(s.ws, 'echo'), `#!/bin/sh\ntouch ${path.join(s.outside, 'planted')}\n`, { mode: 0o755 });
    },
    request: exec('echo', { args: ['real'] }),
    check: (r) => assert.equal(out(r.data).stdout, 'real\n'),
  },
  {
    name: "proc env injection: LD_PRELOAD → DENIED (not on the rule's env list)",
    expect: 'DENIED',
    request: exec('echo', { env: { LD_PRELOAD: '/workspace/evil.so' } }),
  },
  { name: 'proc env injection: PATH=/workspace → DENIED', expect: 'DENIED', request: exec('echo', { env: { PATH: '/workspace' } }) },
  {
    name: "proc env leak: the worker's environment is not inherited → no secret in printenv",
    expect: 'OK',
    request: exec('printenv'),
    check: (r) => {
      assert.doesNotMatch(out(r.data).stdout, /AOK_WORKER_SECRET|worker-secret/);
      assert.match(out(r.data).stdout, /^PATH=/m);
    },
  },
  {
    name: 'proc env: an allow-listed name with shell text in its value stays text',
    expect: 'OK',
    request: exec('echo', { args: ['$GREETING'], env: { GREETING: '$(id)' } }),
    check: (r) => assert.equal(out(r.data).stdout, '$GREETING\n'),
  },
  {
    name: 'proc cwd: /workspace/../outside → refused',
    expect: ['DENIED', 'ERROR'],
    why: "the rule's cwd glob or the mount check refuses it",
    request: exec('echo', { cwd: '/workspace/../outside' }),
  },
  {
    name: 'proc cwd: a workspace link to the outside folder → refused',
    expect: ['DENIED', 'ERROR'],
    why: 'the cwd is checked against the mount after following links',
    setup: (s) => {
      fs.rmSync(path.join(s.ws, 'cwdlink'), { force: true });
      fs.symlinkSync(s.outside, path.join(s.ws, 'cwdlink'));
    },
    request: exec('echo', { cwd: '/workspace/cwdlink' }),
  },
  {
    name: 'proc params: unknown "shell: true" → ERROR, not ignored',
    expect: ['DENIED', 'ERROR'],
    why: 'refused by the provider before or after the decision',
    request: exec('echo', { shell: true }),
  },
  {
    name: 'proc params: NUL byte in an argument → refused',
    expect: ['DENIED', 'ERROR'],
    why: "refused by the provider's parameter check",
    request: exec('echo', { args: ['a\0b'] }),
  },
  {
    name: 'proc output flood: yes for 1 s → OK, stdout capped at 64 KiB and marked truncated',
    expect: 'OK',
    request: exec('yes', { args: ['flood'] }),
    timeout: 20_000,
    check: (r) => {
      const o = out(r.data);
      assert.ok(Buffer.byteLength(o.stdout) <= 64 * 1024);
      assert.equal(o.stdoutTruncated, true);
    },
  },
  {
    name: "proc timeout: sleep 30 under the rule's 1 s cap → OK with timedOut",
    expect: 'OK',
    request: exec('sleep', { args: ['30'] }),
    timeout: 20_000,
    check: (r) => assert.equal(out(r.data).timedOut, true),
  },
  { name: "proc timeout: asking for more than the rule's cap → DENIED", expect: 'DENIED', request: exec('sleep', { args: ['1'], timeout_ms: 60_000 }) },
  {
    name: 'proc forker: 10 sleeping children under a 1 s timeout → all of them killed',
    expect: 'OK',
    setup: (s) => fs.copyFileSync(forkerScript, path.join(s.ws, 'forker.sh')),
    request: exec('sh', { args: ['forker.sh', '10'], env: { AOK_RUN_TOKEN: forkerToken } }),
    timeout: 30_000,
    check: async (r) => {
      const o = out(r.data);
      assert.equal(o.timedOut, true);
      assert.equal(forkedPids(o.stdout).length, 10);
      assert.deepEqual(await waitUntilNone('AOK_RUN_TOKEN', forkerToken, 5000), []);
    },
  },
  { name: "proc forker: arguments outside the rule's pattern → DENIED", expect: 'DENIED', request: exec('sh', { args: ['forker.sh', '10', 'setsid'] }) },
  {
    name: 'proc git argv injection: -c core.pager=… → refused by the git guard',
    expect: ['DENIED', 'ERROR'],
    why: 'the git guard refuses config overrides',
    request: exec('git', { args: ['-c', `core.pager=touch ${pwned}`, 'log'] }),
  },
  {
    name: 'proc git argv injection: --upload-pack=… → refused by the git guard',
    expect: ['DENIED', 'ERROR'],
    why: 'the git guard refuses upload-pack',
    request: exec('git', { args: ['fetch', '--upload-pack=touch /tmp/pwned', 'origin'] }),
  },
];

runAdversarialTable('adversarial: processes', cases);
