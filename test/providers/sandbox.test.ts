import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { Kernel } from '../../src/kernel/kernel';
import { ProcessProvider } from '../../src/providers/process';
import { buildSandboxCommand, probeSandbox, SYSTEM_FOLDERS } from '../../src/providers/sandbox';
import { makeWorkspace, run } from './process-fixture';

describe('ProcessProvider sandbox', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws, { mode: 0o755 });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-SECRET\n');
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });

  test('sandbox: the root folder → only the mounts, system folders, curated /etc, private /proc /dev /tmp (and /run with the working directory)', async () => {
    const r = await run(provider, 'ls', { args: ['-1', '/'] });
    const exists = (f: string): boolean => {
      try {
        fs.lstatSync(f);
        return true;
      } catch {
        return false;
      }
    };
    const system = SYSTEM_FOLDERS.filter(exists).map((f) => f.slice(1));
    // With a bubblewrap that binds descriptors, /run holds only the checked working directory (read-only), the reference of the check.
    const withRun = probeSandbox().bindFd === true ? ['run'] : [];
    assert.deepEqual(r.stdout.trim().split('\n'), [...system, 'dev', 'etc', 'proc', 'tmp', 'workspace', ...withRun].sort());
    if (withRun.length > 0) assert.equal((await run(provider, 'ls', { args: ['-1', '/run'] })).stdout, 'agent-os-cwd\n');
  });

  test('sandbox: /etc → curated; /etc/shadow and the host root home are absent', async () => {
    const etc = await run(provider, 'ls', { args: ['-1', '/etc'] });
    assert.match(etc.stdout, /^passwd$/m);
    assert.doesNotMatch(etc.stdout, /shadow|sudoers|ssh|machine-id/);
    const shadow = await run(provider, 'cat', { args: ['/etc/shadow'] });
    assert.notEqual(shadow.exitCode, 0);
    assert.notEqual((await run(provider, 'ls', { args: ['/root'] })).exitCode, 0);
  });

  test('sandbox: a host file outside the workspace, by its absolute host path → not there', async () => {
    const r = await run(provider, 'cat', { args: [path.join(outside, 'secret.txt')] });
    assert.notEqual(r.exitCode, 0);
    assert.doesNotMatch(r.stdout + r.stderr, /OUTSIDE-SECRET/);
  });

  test('sandbox: a file written to /tmp → stays in the sandbox, not on the host', async () => {
    const name = `aok-sandbox-tmp-${process.pid}`;
    const r = await run(provider, 'touch', { args: [`/tmp/${name}`] });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(fs.existsSync(path.join('/tmp', name)), false);
  });

  test('sandbox: a file written to /workspace → lands in the mounted host folder', async () => {
    const r = await run(provider, 'touch', { args: ['/workspace/made-inside'] });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(ws, 'made-inside')), true);
  });

  test('sandbox: connecting to a loopback server of the host → refused, the server sees no connection', async () => {
    let connections = 0;
    const server = http.createServer((_req, res) => res.end('hi'));
    server.on('connection', () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await run(provider, 'bash', { args: ['-c', `echo hi > /dev/tcp/127.0.0.1/${port}`] });
      assert.notEqual(r.exitCode, 0);
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });

  test('sandbox: capabilities and uid → none at all, and a non-root uid where user namespaces work', async () => {
    const caps = await run(provider, 'grep', { args: ['^Cap', '/proc/self/status'] });
    for (const line of caps.stdout.trim().split('\n')) assert.match(line, /:\s+0+$/, line);
    if (probeSandbox().userNamespace) assert.equal((await run(provider, 'id', { args: ['-u'] })).stdout, '65534\n');
    if (probeSandbox().disableUserns === true) assert.notEqual((await run(provider, 'unshare', { args: ['-U', 'true'] })).exitCode, 0);
  });

  test('sandbox: /proc → read-only as a whole (kernel settings included), even where the sandbox runs as host root (red team: core_pattern → host root)', async () => {
    // Opening for append changes nothing; that the open succeeds is the hole (a write of
    // core_pattern made the host kernel run a workspace script as root, outside every namespace).
    const files = [
      '/proc/sys/kernel/core_pattern',
      '/proc/sys/kernel/hostname',
      '/proc/sys/vm/drop_caches',
      '/proc/sysrq-trigger',
      '/proc/self/oom_score_adj',
      '/proc/1/comm',
    ];
    for (const file of files) {
      const r = await run(provider, 'sh', { args: ['-c', `exec 3>>${file} && echo OPENED`] });
      assert.doesNotMatch(r.stdout, /OPENED/, `${file} opened for writing inside the sandbox`);
      // (A kernel without SysRq has no trigger at all.)
      const refusal = fs.existsSync(file) ? /Read-only file system|Permission denied/ : /nonexistent|No such file/;
      assert.match(r.stderr, refusal, `${file}: ${r.stderr}`);
    }
    assert.match((await run(provider, 'cat', { args: ['/proc/sys/kernel/ostype'] })).stdout, /^Linux$/m, 'still readable');
    // Only its own /proc (one device), read-only everywhere: no bind of a host /proc folder,
    // which would be a copy of a host mount and receive the host's later mounts under it.
    const mounts = (await run(provider, 'cat', { args: ['/proc/self/mountinfo'] })).stdout.split('\n');
    const procMounts = mounts.map((l) => l.split(' ')).filter((f) => f[4] === '/proc' || (f[4] ?? '').startsWith('/proc/'));
    const own = procMounts.find((f) => f[4] === '/proc');
    assert.ok(own !== undefined, mounts.join('\n'));
    for (const f of procMounts) {
      assert.equal(f[2], own[2], `${f[4] ?? ''} is another filesystem than the sandbox's /proc: ${f.join(' ')}`);
      assert.match(f[5] ?? '', /^ro,/, `${f[4] ?? ''} is writable: ${f.join(' ')}`);
    }
  });

  test('sandbox: processes of the host → invisible (own PID namespace)', async () => {
    const r = await run(provider, 'ls', { args: ['/proc'] });
    const pids = r.stdout
      .split('\n')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
    assert.ok(pids.length <= 4, `sees ${pids.length} processes`);
    assert.ok(!pids.includes(process.pid) || process.pid <= 4);
  });

  test('sandbox: a file bigger than the file-size limit → the write fails', async () => {
    const small = new ProcessProvider({ mounts: { '/workspace': ws }, limits: { fileSizeBytes: 4096 } });
    const r = await run(small, 'head', { args: ['-c', '100000', '/dev/zero'], cwd: '/workspace' });
    assert.equal(r.stdout.length, 100000); // to a pipe: not limited
    const w = await run(small, 'dd', { args: ['if=/dev/zero', 'of=/workspace/big', 'bs=1024', 'count=100'] });
    assert.notEqual(w.exitCode, 0);
    assert.ok(fs.statSync(path.join(ws, 'big')).size <= 4096);
  });

  test("sandbox: the private /tmp → bounded (256 MiB by default, limits.tmpBytes), so a program cannot fill the host's memory through it (red team: 6 GB written)", async () => {
    assert.ok(probeSandbox().tmpfsSize === true, 'this bubblewrap cannot size a tmpfs (--size, bubblewrap 0.8+)');
    const size = async (p: ProcessProvider): Promise<number> => {
      const r = await run(p, 'df', { args: ['-B1', '--output=size', '/tmp'] });
      assert.equal(r.exitCode, 0, r.stderr);
      return Number(r.stdout.trim().split('\n').at(-1));
    };
    assert.equal(await size(provider), 256 * 1024 ** 2);
    const small = new ProcessProvider({ mounts: { '/workspace': ws }, limits: { tmpBytes: 1024 ** 2 } });
    assert.equal(await size(small), 1024 ** 2);
    const w = await run(small, 'dd', { args: ['if=/dev/zero', 'of=/tmp/big', 'bs=1024', 'count=4096'] });
    assert.notEqual(w.exitCode, 0);
    assert.match(w.stderr, /No space left on device/);
  });

  test('sandbox: a result → says sandbox "bwrap"', async () => {
    assert.equal((await run(provider, 'true')).sandbox, 'bwrap');
  });

  test('ProcessProvider: an absolute program reached through a link → judged at its real path, run by the path written', async () => {
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync('/usr/bin/echo', path.join(bin, 'say'));
    const linked = new ProcessProvider({ path: [bin, '/usr/bin'], mounts: { '/workspace': ws } });
    const resolved = await linked.resolve({ action: 'proc.exec', target: path.join(bin, 'say'), params: { args: ['hi'] } });
    assert.equal(resolved.canonicalTarget, fs.realpathSync('/usr/bin/echo'));
    assert.equal((await run(linked, path.join(bin, 'say'), { args: ['hi'] })).stdout, 'hi\n');
  });

  test('ProcessProvider: no mounts → refuses to start (Provider.SandboxConfig)', () => {
    assert.throws(
      () => new ProcessProvider(),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    assert.throws(
      () => new ProcessProvider({ mounts: {} }),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    assert.throws(
      () => new ProcessProvider({ mounts: {}, sandbox: 'off' }),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
  });

  test('ProcessProvider: a mount over a system folder → refuses to start', () => {
    for (const agent of ['/usr/local', '/etc', '/tmp', '/bin']) {
      assert.throws(
        () => new ProcessProvider({ mounts: { [agent]: ws } }),
        (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
        agent,
      );
    }
  });

  test('ProcessProvider: bubblewrap missing → proc.exec refused with Provider.SandboxUnavailable, nothing runs', async () => {
    const missing = new ProcessProvider({ mounts: { '/workspace': ws }, bwrapPath: path.join(root, 'no-bwrap') });
    await assert.rejects(run(missing, 'touch', { args: ['/workspace/ran-unsandboxed'] }), (e) => hasErrorCode(e, 'Provider.SandboxUnavailable'));
    assert.equal(fs.existsSync(path.join(ws, 'ran-unsandboxed')), false);
  });

  test('Kernel + ProcessProvider: bubblewrap missing → ERROR Provider.SandboxUnavailable with its one audit record', async () => {
    fs.writeFileSync(
      path.join(root, 'policy.yaml'),
      'version: 1\ncapabilities:\n  - { id: touch, action: proc.exec, resource: touch, constraint: { cwd: "/workspace/**" } }\n',
    );
    const logPath = path.join(root, 'kernel.log');
    const kernel = new Kernel({
      policy: path.join(root, 'policy.yaml'),
      logPath,
      providers: [new ProcessProvider({ mounts: { '/workspace': ws }, bwrapPath: path.join(root, 'no-bwrap') })],
    });
    const r = await kernel.submit({ action: 'proc.exec', target: 'touch', params: { args: ['x'], cwd: '/workspace' } });
    await kernel.close();
    assert.equal(r.status, 'ERROR');
    assert.equal(r.code, 'Provider.SandboxUnavailable');
    const records = fs
      .readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code?: string });
    assert.equal(records.length, 1);
    assert.equal(records[0]?.code, 'Provider.SandboxUnavailable');
  });

  test('ProcessProvider: bubblewrap failing before the program starts → Provider.SandboxFailed, no host path in the message', async () => {
    const fake = path.join(root, 'fake-bwrap');
    // Passes the start-up probe, then fails like bubblewrap does on a setup error.
    fs.writeFileSync(fake, `#!/bin/sh\ncase "$*" in *--info-fd*) echo "bwrap: Can't find source path ${ws}: No such file" >&2; exit 1;; esac\nexit 0\n`, {
      mode: 0o755,
    });
    const failing = new ProcessProvider({ mounts: { '/workspace': ws }, bwrapPath: fake });
    const onWarning = (): void => undefined;
    process.on('warning', onWarning);
    try {
      await assert.rejects(run(failing, 'true'), (e) => hasErrorCode(e, 'Provider.SandboxFailed') && !(e as Error).message.includes(ws));
    } finally {
      process.off('warning', onWarning);
    }
  });

  test("ProcessProvider: sandbox 'off' chosen explicitly → runs on the host, warned at start, result says sandbox 'off'", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const off = new ProcessProvider({ mounts: { '/workspace': ws }, sandbox: 'off' });
      const r = await run(off, 'pwd', { cwd: '/workspace' });
      assert.equal(r.stdout, `${ws}\n`);
      assert.equal(r.sandbox, 'off');
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(
        warnings.some((m) => /sandbox is OFF/.test(m)),
        JSON.stringify(warnings),
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('buildSandboxCommand: no mounts, a network other than none, a cwd outside the mounts or a bad limit → SandboxConfig', () => {
    const probe = { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', userNamespace: true };
    const spec = { command: '/usr/bin/true', args: [], cwd: '/workspace', env: {}, mounts: [{ agent: '/workspace', host: ws }] };
    assert.throws(
      () => buildSandboxCommand({ ...spec, mounts: [] }, probe),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    assert.throws(
      () => buildSandboxCommand({ ...spec, network: 'proxy' as 'none' }, probe),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    assert.throws(
      () => buildSandboxCommand({ ...spec, cwd: '/elsewhere' }, probe),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    assert.throws(
      () => buildSandboxCommand({ ...spec, limits: { memoryBytes: 0 } }, probe),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    assert.throws(
      () => buildSandboxCommand({ ...spec, limits: { processes: Number.NaN } }, probe),
      (e) => hasErrorCode(e, 'Provider.SandboxConfig'),
    );
    const cmd = buildSandboxCommand({ ...spec, mounts: [{ agent: '/workspace', host: ws, readOnly: true }] }, probe);
    assert.deepEqual(cmd.spawnOptions.env, {});
    for (const flag of ['--unshare-net', '--unshare-pid', '--die-with-parent', '--new-session', '--clearenv']) assert.ok(cmd.args.includes(flag), flag);
    const i = cmd.args.indexOf(ws);
    assert.equal(cmd.args[i - 1], '--ro-bind');
  });
});
