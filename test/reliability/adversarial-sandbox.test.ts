/**
 * Allowed programs turned against the host (issue 16, items 3, 4 and 6): git granted a few
 * subcommands with any arguments reads and writes outside the workspace by absolute path; a
 * working directory reached through a link is judged as written; option clusters dodge
 * `deny_args`; a `setsid` grandchild outlives the timeout. For every case the canary folder
 * outside the workspace stays byte-identical and its secret appears in no output.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import type { ActionResult } from '../../src/kernel/types';
import { ProcessProvider } from '../../src/providers/process';
import { forkerScript, processesWithEnv, waitUntilNone } from '../helpers/processes';
import { SECRET, treeHash } from './adversarial-harness';

const POLICY = `version: 1
capabilities:
  - id: git
    action: proc.exec
    resource: git
    constraint: { cwd: "/workspace/**", timeout_ms: 10000, args: ["{commit,blame,hash-object,cat-file,log,worktree,clone,init}", "**"] }
  - { id: ls, action: proc.exec, resource: ls, constraint: { cwd: "/workspace/**", timeout_ms: 5000 } }
  - { id: sh, action: proc.exec, resource: sh, constraint: { cwd: "/workspace/**", timeout_ms: 1000, env: [AOK_RUN_TOKEN], deny_args: ["-c"] } }
  - { id: python, action: proc.exec, resource: python3, constraint: { cwd: "/workspace/**", timeout_ms: 5000, deny_args: ["-c"] } }
deny:
  - { id: no-secret-cwd, action: proc.exec, resource: "**", constraint: { cwd: "/workspace/secret/**" } }
`;

describe('adversarial: allowed programs against the host', () => {
  let root: string;
  let ws: string;
  let outside: string;
  let kernel: Kernel;
  let canary: string;
  const results: ActionResult[] = [];
  const exec = async (target: string, args: string[], extra: Record<string, unknown> = {}): Promise<ActionResult> => {
    const result = await kernel.submit({ action: 'proc.exec', target, params: { cwd: '/workspace/repo', args, ...extra } });
    results.push(result);
    return result;
  };
  const output = (r: ActionResult): string => JSON.stringify(r);

  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-advsb-')));
    ws = path.join(root, 'ws');
    outside = path.join(root, 'outside');
    fs.mkdirSync(path.join(ws, 'repo'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'secret'));
    fs.mkdirSync(path.join(ws, 'pub'));
    fs.mkdirSync(path.join(outside, 'nested'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'secret.txt'), `${SECRET}\n`);
    fs.writeFileSync(path.join(outside, 'nested', 'deep.txt'), `${SECRET} deep\n`);
    fs.writeFileSync(path.join(ws, 'secret', 'hidden-name.txt'), 'x\n');
    fs.symlinkSync('../secret', path.join(ws, 'pub', 'link'));
    fs.copyFileSync(forkerScript, path.join(ws, 'repo', 'forker.sh'));
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: path.join(ws, 'repo'), encoding: 'utf8' });
    git('init', '-q', '.');
    git('config', 'user.email', 'a@example.com');
    git('config', 'user.name', 'a');
    fs.writeFileSync(path.join(ws, 'repo', 'f'), 'one\n');
    git('add', 'f');
    git('commit', '-qm', 'one');
    fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
    kernel = new Kernel({
      policy: path.join(root, 'policy.yaml'),
      logPath: path.join(root, 'kernel.log'),
      providers: [new ProcessProvider({ mounts: { '/workspace': ws }, killGraceMs: 100 })],
    });
  });
  beforeEach(() => {
    results.length = 0;
    canary = treeHash(outside);
  });
  after(async () => {
    await kernel.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const unchanged = (): void => {
    assert.equal(treeHash(outside), canary, 'the canary folder outside the workspace changed');
    for (const r of results) assert.ok(!output(r).includes(SECRET), `an outside byte reached a result: ${output(r).slice(0, 300)}`);
  };

  test('adversarial git: commit -F /outside/secret then log → no outside byte in any output', async () => {
    await exec('git', ['commit', '--allow-empty', '-q', '-F', path.join(outside, 'secret.txt')]);
    const log = await exec('git', ['log', '--format=%B']);
    assert.equal(log.status, 'OK', output(log));
    unchanged();
  });

  test('adversarial git: blame --contents /outside/secret → no outside byte in any output', async () => {
    await exec('git', ['blame', '--contents', path.join(outside, 'secret.txt'), 'f']);
    unchanged();
  });

  test('adversarial git: hash-object -w /outside/secret then cat-file → no outside byte in any output', async () => {
    const id = execFileSync('git', ['hash-object', path.join(outside, 'secret.txt')], { encoding: 'utf8' }).trim();
    await exec('git', ['hash-object', '-w', path.join(outside, 'secret.txt')]);
    await exec('git', ['cat-file', '-p', id]);
    unchanged();
  });

  test('adversarial git: worktree add, clone and init at absolute outside paths → nothing created on the host', async () => {
    await exec('git', ['worktree', 'add', path.join(outside, 'wt')]);
    await exec('git', ['clone', '-q', '.', path.join(outside, 'clone')]);
    await exec('git', ['init', '-q', path.join(outside, 'init')]);
    await exec('git', ['init', '-q', path.join(root, 'init-abs')]);
    assert.equal(fs.existsSync(path.join(root, 'init-abs')), false, 'git init created a folder on the host outside the workspace');
    unchanged();
  });

  test('adversarial cwd: /workspace/pub/link → secret under a deny on /workspace/secret/** → DENIED (cwd judged at its real path)', async () => {
    const r = await exec('ls', [], { cwd: '/workspace/pub/link' });
    assert.equal(r.status, 'DENIED', output(r));
    assert.doesNotMatch(output(r), /hidden-name/);
  });

  test(
    'adversarial cwd race: pub/dir swapped with a link to secret while ls runs there (60 runs past the decision) → never runs in secret',
    { timeout: 120_000 },
    async (t) => {
      const pub = path.join(ws, 'pub');
      fs.mkdirSync(path.join(pub, 'dir'));
      fs.writeFileSync(path.join(pub, 'dir', 'public-name.txt'), '');
      fs.symlinkSync('../secret', path.join(pub, 'swap'));
      // renameat2(RENAME_EXCHANGE) flips the folder and the link atomically, every 0–16 ms: about as
      // long as the sandbox takes to start, so many checks see the folder and many starts the link.
      const swapper = spawn(
        '/usr/bin/python3',
        [
          '-c',
          [
            'import ctypes, os, random, sys, time',
            'libc = ctypes.CDLL(None, use_errno=True)',
            'a, b = (os.fsencode(p) for p in sys.argv[1:3])',
            'sys.stdout.write("go\\n"); sys.stdout.flush()',
            'n = 0',
            'while True:',
            '    libc.renameat2(-100, a, -100, b, 2); n += 1; time.sleep(random.random() * 0.016)',
          ].join('\n'),
          path.join(pub, 'dir'),
          path.join(pub, 'swap'),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const started = await new Promise<boolean>((resolve) => {
        swapper.stdout.once('data', () => resolve(true));
        swapper.once('exit', () => resolve(false));
      });
      assert.ok(started, 'the swapper did not start');
      const seen: Record<string, number> = {};
      let passedDecision = 0; // runs that saw the folder when judged: the ones the race can turn against
      try {
        for (let i = 0; i < 6000 && passedDecision < 60; i++) {
          const r = await exec('ls', [], { cwd: '/workspace/pub/dir' });
          const key =
            r.status === 'OK' ? ((r.data as { stdout: string }).stdout.includes('public-name') ? 'OK public' : 'OK other') : `${r.status} ${r.code ?? ''}`;
          seen[key] = (seen[key] ?? 0) + 1;
          if (r.status !== 'DENIED') passedDecision++;
          assert.doesNotMatch(output(r), /hidden-name/, `run ${i} listed the denied folder`);
        }
      } finally {
        swapper.kill('SIGKILL');
      }
      t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
      assert.ok((seen['OK public'] ?? 0) > 0, 'no run got through at all: the race proves nothing');
    },
  );

  for (const [program, args] of [
    ['sh', ['-ec', 'touch pwned']],
    ['python3', ['-Ic', 'open("pwned","w")']],
    ['python3', ['-copen("pwned","w")']],
  ] as const) {
    test(`adversarial deny_args: ${program} ${JSON.stringify(args)} under deny_args [-c] → DENIED, nothing runs`, async () => {
      const r = await exec(program, [...args]);
      assert.equal(r.status, 'DENIED', output(r));
      assert.equal(fs.existsSync(path.join(ws, 'repo', 'pwned')), false);
    });
  }

  test('adversarial process tree: setsid grandchildren of an allowed program → gone after the timeout', async () => {
    const token = `setsid-${process.pid}-${Date.now()}`;
    const r = await exec('sh', ['forker.sh', '2', 'setsid'], { env: { AOK_RUN_TOKEN: token } });
    try {
      assert.equal(r.status, 'OK', output(r));
      assert.equal((r.data as { timedOut: boolean }).timedOut, true);
      assert.deepEqual(await waitUntilNone('AOK_RUN_TOKEN', token), [], 'a setsid grandchild outlived the timeout');
    } finally {
      for (const pid of processesWithEnv('AOK_RUN_TOKEN', token)) process.kill(pid, 'SIGKILL');
    }
  });
});
