/**
 * Act on what was checked, for the working directory of a sandboxed program: the folder the
 * worker checked may be renamed away and replaced (by another folder, or by a symlink to a
 * folder elsewhere in the sandbox) at any moment before the program starts — before the
 * launcher spawns bubblewrap, or after bubblewrap made its mounts and before it enters the
 * folder by name. The program must then not run at all: nothing written in, nothing listed
 * from, the folder that took the place of the checked one.
 *
 * The launcher hands bubblewrap a descriptor of the checked folder (bubblewrap shows it
 * read-only at /run/agent-os-cwd) and a shell builtin compares the folder entered by name
 * with it. The tests spawn bubblewrap themselves where they need to hold it between its
 * mounts and its `chdir` (`--block-fd`): a design that mounted the descriptor over the working
 * directory and trusted `--chdir` would run the program in the replacement there (a mount
 * moves with its renamed folder).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ProcessProvider } from '../../src/providers/process';
import { runProcessTree } from '../../src/providers/process-tree';
import { buildSandboxCommand, feedSeccomp, probeSandbox, sandboxStdio } from '../../src/providers/sandbox';
import { isCwdMoved, openCwdFolder } from '../../src/providers/sandbox/cwd-folder';
import { SANDBOX_CWD_REF, type SandboxCommand } from '../../src/providers/sandbox/types';
import { readSandboxInfo } from '../../src/providers/sandbox/lifecycle';
import { waitFor } from '../helpers/poll';
import { makeWorkspace, run } from './process-fixture';

const probe = probeSandbox();

describe('sandbox working directory: checked folder swapped before the program starts', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws, { mode: 0o755 });
  fs.mkdirSync(path.join(outside, 'folder'), { recursive: true, mode: 0o755 });
  fs.chmodSync(outside, 0o755);
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  // The outside folder is a second mount: a symlink to it resolves inside the sandbox.
  const mounts = [
    { agent: '/workspace', host: ws },
    { agent: '/outside', host: outside },
  ];
  /** Writes a marker where it runs and lists that folder: both show where the program really ran. */
  const program = { command: '/bin/sh', args: ['-c', 'echo ran > marker; ls'] };

  let n = 0;
  /** A fresh checked folder (ws/cN) and its identity, as the worker records it. */
  function checkedFolder(): { name: string; identity: { dev: number; ino: number } } {
    const name = `c${++n}`;
    fs.mkdirSync(path.join(ws, name), { mode: 0o777 });
    const st = fs.statSync(path.join(ws, name));
    return { name, identity: { dev: st.dev, ino: st.ino } };
  }

  function command(name: string, identity: { dev: number; ino: number }): SandboxCommand {
    return buildSandboxCommand(
      { ...program, cwd: `/workspace/${name}`, env: { PATH: '/usr/bin:/bin' }, mounts, cwdIdentity: identity, cwdDescriptor: true },
      probe,
    );
  }

  const swaps = {
    'another folder': (name: string): void => {
      fs.renameSync(path.join(ws, name), path.join(ws, `${name}.away`));
      fs.mkdirSync(path.join(ws, name), { mode: 0o777 });
    },
    'a symlink to a folder outside the workspace': (name: string): void => {
      fs.renameSync(path.join(ws, name), path.join(ws, `${name}.away`));
      fs.symlinkSync('/outside/folder', path.join(ws, name));
    },
  };

  /** Nothing ran: no marker in the checked folder (moved away), its replacement or the outside folder. */
  function assertNothingRan(name: string): void {
    for (const dir of [path.join(ws, `${name}.away`), path.join(ws, name), path.join(outside, 'folder')]) {
      assert.equal(fs.existsSync(path.join(dir, 'marker')), false, `the program wrote into ${dir}`);
    }
  }

  test('the descriptor is usable here (bubblewrap binds one: --ro-bind-fd)', () => {
    assert.equal(probe.problem, undefined);
    assert.equal(probe.bindFd, true);
    const cmd = command(checkedFolder().name, { dev: 1, ino: 2 });
    assert.ok(cmd.cwdFolder !== undefined);
    assert.deepEqual(cmd.args.slice(cmd.args.indexOf('--ro-bind-fd'), cmd.args.indexOf('--ro-bind-fd') + 3), ['--ro-bind-fd', '4', SANDBOX_CWD_REF]);
    assert.equal(probe.stat !== undefined && cmd.args.includes(probe.stat), false, 'no stat process');
  });

  test('a bubblewrap without --ro-bind-fd → no descriptor asked for, the stat check inside instead', () => {
    const { name, identity } = checkedFolder();
    const cmd = buildSandboxCommand(
      { ...program, cwd: `/workspace/${name}`, env: {}, mounts, cwdIdentity: identity, cwdDescriptor: true },
      { ...probe, bindFd: false },
    );
    assert.equal(cmd.cwdFolder, undefined);
    assert.equal(cmd.args.includes('--ro-bind-fd'), false);
    assert.ok(cmd.args.includes(`${identity.dev}:${identity.ino}`));
  });

  test('a mount nested below the working directory → no descriptor (its view would show what that mount hides), the stat check inside', () => {
    const { name, identity } = checkedFolder();
    const nested = [...mounts, { agent: `/workspace/${name}/data`, host: path.join(outside, 'folder') }];
    const cmd = buildSandboxCommand({ ...program, cwd: `/workspace/${name}`, env: {}, mounts: nested, cwdIdentity: identity, cwdDescriptor: true }, probe);
    assert.equal(cmd.cwdFolder, undefined);
    assert.equal(cmd.args.includes('--ro-bind-fd'), false);
    assert.ok(cmd.args.includes(`${identity.dev}:${identity.ino}`));
    // A nested mount elsewhere (not below the working directory) changes nothing.
    const beside = buildSandboxCommand(
      {
        ...program,
        cwd: `/workspace/${name}`,
        env: {},
        mounts: [...mounts, { agent: '/workspace/other', host: outside }],
        cwdIdentity: identity,
        cwdDescriptor: true,
      },
      probe,
    );
    assert.ok(beside.cwdFolder !== undefined);
  });

  test('unchanged folder → the program runs in it (the control of the tests below)', async () => {
    const { name, identity } = checkedFolder();
    const cmd = command(name, identity);
    const outcome = await runProcessTree(treeSpec(cmd));
    assert.equal(outcome.exitCode, 0, outcome.stderr);
    assert.equal(outcome.stdout, 'marker\n');
    assert.equal(fs.readFileSync(path.join(ws, name, 'marker'), 'utf8'), 'ran\n');
  });

  for (const [what, swap] of Object.entries(swaps)) {
    test(`swapped for ${what} between the check and the spawn → the launcher starts nothing (moved), nothing written or listed there`, async () => {
      const { name, identity } = checkedFolder();
      const cmd = command(name, identity);
      swap(name);
      const outcome = await runProcessTree(treeSpec(cmd));
      assert.equal(isCwdMoved(outcome), true, JSON.stringify(outcome));
      assert.equal(outcome.stdout, '');
      assertNothingRan(name);
    });

    test(`swapped for ${what} after bubblewrap made its mounts, before it enters the folder → the check inside refuses (exit 125), nothing written or listed there`, async () => {
      const { name, identity } = checkedFolder();
      const cmd = command(name, identity);
      const fd = openCwdFolder(cmd.cwdFolder as NonNullable<SandboxCommand['cwdFolder']>);
      assert.ok(fd !== null);
      // Hold bubblewrap after its mounts (the descriptor's folder is mounted) and before its chdir.
      const args = [...cmd.args];
      args.splice(args.indexOf('--chdir'), 0, '--block-fd', '5');
      // fd 5 (the start report's, not asked for here) holds bubblewrap; 6 is the seccomp filter.
      const child = spawn(cmd.file, args, { ...cmd.spawnOptions, stdio: sandboxStdio(cmd.spawnOptions.stdio, fd, true), cwd: '/' });
      feedSeccomp(child.stdio);
      fs.closeSync(fd);
      const output = collect(child.stdout as Readable, child.stderr as Readable);
      const info = await readSandboxInfo(child.stdio[3] as Readable);
      assert.ok(info !== undefined);
      await waitFor(() => mountsDone(info.initPid), 'the sandbox mounts');
      swap(name);
      (child.stdio.at(5) as Writable).end('x');
      const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
      const { stdout, stderr } = output();
      assert.equal(isCwdMoved({ exitCode: code, stdout, stderr }), true, JSON.stringify({ code, stdout, stderr }));
      assertNothingRan(name);
    });
  }

  test("the checked folder deleted after the launcher's check → bubblewrap refuses its descriptor (moved), nothing ran", async () => {
    const { name, identity } = checkedFolder();
    const cmd = command(name, identity);
    const fd = openCwdFolder(cmd.cwdFolder as NonNullable<SandboxCommand['cwdFolder']>);
    assert.ok(fd !== null);
    fs.rmdirSync(path.join(ws, name));
    fs.mkdirSync(path.join(ws, name), { mode: 0o777 });
    const child = spawn(cmd.file, [...cmd.args], { ...cmd.spawnOptions, stdio: sandboxStdio(cmd.spawnOptions.stdio, fd, false), cwd: '/' });
    feedSeccomp(child.stdio);
    fs.closeSync(fd);
    const output = collect(child.stdout as Readable, child.stderr as Readable);
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    const { stdout, stderr } = output();
    assert.equal(isCwdMoved({ exitCode: code, stdout, stderr }), true, JSON.stringify({ code, stdout, stderr }));
    assert.equal(fs.existsSync(path.join(ws, name, 'marker')), false);
  });

  test('through the provider and its spawner: the descriptor does not reach the program, the reference is read-only, the environment is exactly the allowed one', async () => {
    const provider = new ProcessProvider({ mounts: { '/workspace': ws } });
    fs.mkdirSync(path.join(ws, 'sub'), { mode: 0o777 });
    const r = await run(provider, 'sh', {
      cwd: '/workspace/sub',
      args: ['-c', `ls /proc/$$/fd; touch ${SANDBOX_CWD_REF}/via-ref 2>/dev/null || echo read-only; [ . -ef ${SANDBOX_CWD_REF} ] && echo same`],
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, '0\n1\n2\nread-only\nsame\n');
    assert.equal(fs.existsSync(path.join(ws, 'sub', 'via-ref')), false);
    assert.equal((await run(provider, 'env', { cwd: '/workspace/sub' })).stdout, 'PATH=/usr/local/bin:/usr/bin:/bin\n');
  });

  test('isCwdMoved: only the exact refusals, with nothing on stdout', () => {
    const moved = (exitCode: number, stderr: string, stdout = ''): boolean => isCwdMoved({ exitCode, stdout, stderr });
    assert.equal(moved(1, 'bwrap: Race condition binding dirfd: Success\n'), true);
    assert.equal(moved(1, "bwrap: Can't find source path /proc/self/fd/4: No such file or directory\n"), true);
    assert.equal(moved(1, 'bwrap: Race condition binding dirfd: Success\n', 'out'), false);
    assert.equal(moved(1, 'bwrap: Race condition binding dirfd: Success\nmore\n'), false);
    assert.equal(moved(2, 'bwrap: Race condition binding dirfd: Success\n'), false);
    assert.equal(moved(1, "bwrap: Can't find source path /workspace/x: No such file or directory\n"), false);
    // bubblewrap's uid may not traverse a folder on the way: its own message, not a swap.
    assert.equal(moved(1, "bwrap: Can't find source path /proc/self/fd/4: Permission denied\n"), false);
  });
});

/** A sandboxed run of `cmd` as the process provider hands it to its spawner. */
function treeSpec(cmd: SandboxCommand): Parameters<typeof runProcessTree>[0] {
  return {
    file: cmd.file,
    args: cmd.args,
    cwd: '/',
    env: {},
    sandbox: cmd.spawnOptions,
    ...(cmd.cwdFolder !== undefined ? { cwdFolder: cmd.cwdFolder } : {}),
    timeoutMs: 10_000,
    maxOutputBytes: 1 << 20,
  };
}

/** True once bubblewrap's sandbox process shows the working directory's reference among its mounts. */
function mountsDone(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(` ${SANDBOX_CWD_REF} `);
  } catch {
    return false;
  }
}

function collect(stdout: Readable, stderr: Readable): () => { stdout: string; stderr: string } {
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return () => ({ stdout: out, stderr: err });
}
