import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../src/errors';
import { ProcessProvider } from '../../src/providers/process';
import { killGroup } from '../../src/providers/process-tree';
import { forkedPids, forkerScript, isAlive, waitUntilGone } from '../helpers/processes';
import { allowContext, makeWorkspace, run } from './process-fixture';

describe('ProcessProvider process tree', () => {
  const ws = makeWorkspace();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws }, maxOutputBytes: 4096, killGraceMs: 200 });

  test('ProcessProvider: sleep beyond its timeout → timedOut, ended by signal', async () => {
    const r = await run(provider, 'sleep', { args: ['30'], timeout_ms: 300 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.ok(r.durationMs < 5000);
    assert.equal(isAlive(r.pid), false);
  });

  test('ProcessProvider: yes under a timeout → output capped, timedOut, process gone', async () => {
    const r = await run(provider, 'yes', { timeout_ms: 300 });
    assert.equal(r.timedOut, true);
    assert.equal(r.stdout.length, 4096);
    assert.equal(r.stdoutTruncated, true);
    assert.equal(isAlive(r.pid), false);
  });

  test('ProcessProvider: program ignoring SIGTERM → SIGKILL after the grace period', async () => {
    const r = await run(provider, 'sh', { args: ['-c', 'trap "" TERM; sleep 30'], timeout_ms: 200 });
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
  });

  test('ProcessProvider: bounded forker under a timeout → leader and all 20 children gone', async () => {
    const r = await run(provider, 'sh', { args: [forkerScript, '20'], timeout_ms: 1000 });
    const pids = forkedPids(r.stdout);
    assert.equal(r.timedOut, true);
    assert.equal(pids.length, 20);
    assert.deepEqual(await waitUntilGone([r.pid, ...pids]), []);
  });

  test('ProcessProvider: leader exits leaving background children → children killed too', async () => {
    const r = await run(provider, 'sh', { args: ['-c', 'sleep 30 >/dev/null 2>&1 & echo "pid $!"'] });
    assert.equal(r.exitCode, 0);
    const pids = forkedPids(r.stdout);
    assert.equal(pids.length, 1);
    assert.deepEqual(await waitUntilGone(pids), []);
  });

  test('ProcessProvider: child that calls setsid → escapes the group kill (documented limit)', async () => {
    const r = await run(provider, 'sh', { args: [forkerScript, '2', 'setsid'], timeout_ms: 500 });
    const pids = forkedPids(r.stdout);
    try {
      assert.equal(pids.length, 2);
      assert.equal(pids.every(isAlive), true, 'setsid children live on; hardening (uid/prlimit/cgroup) is the mitigation');
    } finally {
      for (const pid of pids) killGroup(pid, 'SIGKILL');
    }
  });

  test('ProcessProvider: abort signal → group killed, Provider.Aborted', async () => {
    const controller = new AbortController();
    const resolved = await provider.resolve({ action: 'proc.exec', target: 'sleep', params: { args: ['30'] } });
    const pending = provider.execute(resolved, allowContext('sleep', {}, controller.signal));
    setImmediate(() => controller.abort());
    await assert.rejects(pending, (e) => hasErrorCode(e, 'Provider.Aborted'));
  });

  test('ProcessProvider: hardening uid + prlimit nproc → forker cannot reach 20 children, all gone after', async () => {
    const hardened = new ProcessProvider({
      mounts: { '/workspace': ws },
      hardening: { uid: 65534, gid: 65534, prlimit: { nproc: 6, asBytes: 512 * 1024 * 1024 } },
    });
    const r = await run(hardened, 'sh', { args: [forkerScript, '20'], timeout_ms: 1500 });
    const pids = forkedPids(r.stdout);
    assert.ok(pids.length < 20, `nproc=6 should stop the forker early, it started ${pids.length}`);
    assert.deepEqual(await waitUntilGone([r.pid, ...pids]), []);
  });

  test('ProcessProvider: hardening uid → program runs as that uid', async () => {
    const hardened = new ProcessProvider({ mounts: { '/workspace': ws }, hardening: { uid: 65534, gid: 65534 } });
    const r = await run(hardened, 'id', { args: ['-u'] });
    assert.equal(r.stdout.trim(), '65534');
  });

  test('ProcessProvider: prlimit asBytes → a shell holding 64 MB in a variable dies, unhardened it succeeds', async () => {
    const script = ['-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo ${#x}'];
    const hardened = new ProcessProvider({ mounts: { '/workspace': ws }, hardening: { prlimit: { asBytes: 32 * 1024 * 1024 } } });
    const limited = await run(hardened, 'sh', { args: script });
    assert.notEqual(limited.stdout, '67108864\n');
    assert.ok(limited.exitCode !== 0 || limited.signal !== null);
    const free = await run(provider, 'sh', { args: script });
    assert.equal(free.stdout, '67108864\n');
  });
});
