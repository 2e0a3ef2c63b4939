import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { CWD_MOVED_EXIT, CWD_MOVED_MESSAGE, hasProgramStarted, spawnSandboxed } from '../../src/providers/sandbox';
import { isAlive } from '../helpers/processes';
import { makeWorkspace } from './process-fixture';

describe('spawnSandboxed', () => {
  const ws = makeWorkspace();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  fs.writeFileSync(path.join(ws, 'readme.txt'), 'inside\n');
  const spec = (command: string, args: string[], readOnly = false) => ({
    command,
    args,
    cwd: '/workspace',
    env: { PATH: '/usr/bin:/bin' },
    mounts: [{ agent: '/workspace', host: ws, readOnly }],
  });

  test('spawnSandboxed: a long-lived program over stdio → answers through its pipes, stop() leaves nothing behind', async () => {
    const child = spawnSandboxed(spec('/usr/bin/cat', []));
    const info = await child.info;
    assert.ok(info !== undefined);
    const echoed = new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString())));
    child.stdin.write('{"jsonrpc":"2.0"}\n');
    assert.equal(await echoed, '{"jsonrpc":"2.0"}\n');
    await child.stop(200);
    assert.equal(isAlive(info.initPid), false);
    assert.notEqual(child.process.exitCode ?? child.process.signalCode, null);
  });

  test('spawnSandboxed: a read-only mount → the program reads it and cannot write to it', async () => {
    const child = spawnSandboxed(spec('/bin/sh', ['-c', 'cat readme.txt; touch new-file; echo "touch exit $?"'], true));
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await new Promise((resolve) => child.process.once('close', resolve));
    await child.stop();
    assert.match(out, /^inside\ntouch exit 1\n$/);
    assert.equal(fs.existsSync(path.join(ws, 'new-file')), false);
  });

  test('spawnSandboxed: the working directory is not the checked one (a swapped link) → nothing runs, exit 125 with the message', async () => {
    const sub = path.join(ws, 'checked');
    fs.mkdirSync(sub);
    const checked = fs.statSync(sub);
    const other = fs.statSync(ws);
    const run = async (identity: { dev: number; ino: number }): Promise<{ code: number | null; err: string }> => {
      const child = spawnSandboxed({ ...spec('/usr/bin/touch', ['ran']), cwd: '/workspace/checked', cwdIdentity: identity });
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
      });
      await new Promise((resolve) => child.process.once('close', resolve));
      await child.stop();
      return { code: child.process.exitCode, err };
    };
    const moved = await run({ dev: other.dev, ino: other.ino });
    assert.equal(moved.code, CWD_MOVED_EXIT);
    assert.equal(moved.err, `${CWD_MOVED_MESSAGE}\n`);
    assert.equal(fs.existsSync(path.join(sub, 'ran')), false);
    const same = await run({ dev: checked.dev, ino: checked.ino });
    assert.equal(same.code, 0, same.err);
    assert.equal(fs.existsSync(path.join(sub, 'ran')), true);
  });

  test('hasProgramStarted: a sandbox running its program → true; a process without children → false', async () => {
    const child = spawnSandboxed(spec('/bin/sh', ['-c', 'echo ready; sleep 30']));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const info = await child.info;
    assert.ok(info !== undefined);
    assert.equal(hasProgramStarted(info), true);
    await child.stop(100);
    const lone = spawn('/bin/sleep', ['30']);
    try {
      assert.equal(hasProgramStarted({ initPid: lone.pid as number, startTime: undefined }), false);
    } finally {
      lone.kill('SIGKILL');
    }
  });

  test('spawnSandboxed: a program ignoring SIGTERM → stop() kills the sandbox after the grace period', async () => {
    const child = spawnSandboxed(spec('/bin/sh', ['-c', 'trap "" TERM; echo ready; sleep 30']));
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const info = await child.info;
    await child.stop(100);
    assert.ok(info !== undefined);
    assert.equal(isAlive(info.initPid), false);
  });
});
