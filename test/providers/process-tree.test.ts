import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../src/errors';
import { ProcessProvider } from '../../src/providers/process';
import { killGroup } from '../../src/providers/process-tree';
import * as path from 'node:path';
import { forkedPids, forkerScript, isAlive, processesWithEnv, waitUntilGone, waitUntilNone } from '../helpers/processes';
import { allowContext, makeWorkspace, run } from './process-fixture';

// Programs see only the workspace (the forker is copied there) and print pids of their own
// PID namespace: runs are tagged with a variable and looked for from the host.
let runs = 0;
const tag = (): { env: { AOK_RUN_TOKEN: string } } => ({ env: { AOK_RUN_TOKEN: `tree-${process.pid}-${++runs}` } });
const tagged = { env: ['AOK_RUN_TOKEN'] };

describe('ProcessProvider process tree', () => {
  const ws = makeWorkspace();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws }, maxOutputBytes: 4096, killGraceMs: 200 });
  fs.copyFileSync(forkerScript, path.join(ws, 'forker.sh'));

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
    const t = tag();
    const r = await run(provider, 'sh', { args: ['forker.sh', '20'], timeout_ms: 1000, ...t }, tagged);
    assert.equal(r.timedOut, true);
    assert.equal(forkedPids(r.stdout).length, 20);
    assert.equal(isAlive(r.pid), false);
    assert.deepEqual(await waitUntilNone('AOK_RUN_TOKEN', t.env.AOK_RUN_TOKEN), []);
  });

  test('ProcessProvider: leader exits leaving background children → children killed too', async () => {
    const t = tag();
    const r = await run(provider, 'sh', { args: ['-c', 'sleep 30 >/dev/null 2>&1 & echo "pid $!"'], ...t }, tagged);
    assert.equal(r.exitCode, 0);
    assert.equal(forkedPids(r.stdout).length, 1);
    assert.deepEqual(await waitUntilNone('AOK_RUN_TOKEN', t.env.AOK_RUN_TOKEN), []);
  });

  test('ProcessProvider: children that call setsid → killed with the sandbox at the timeout', async () => {
    const t = tag();
    const r = await run(provider, 'sh', { args: ['forker.sh', '2', 'setsid'], timeout_ms: 500, ...t }, tagged);
    try {
      assert.equal(r.timedOut, true);
      assert.equal(forkedPids(r.stdout).length, 2);
      assert.deepEqual(await waitUntilNone('AOK_RUN_TOKEN', t.env.AOK_RUN_TOKEN), []);
    } finally {
      for (const pid of processesWithEnv('AOK_RUN_TOKEN', t.env.AOK_RUN_TOKEN)) killGroup(pid, 'SIGKILL');
    }
  });

  test('ProcessProvider: a timeout shorter than the sandbox start-up → timedOut, ended by a signal, not a sandbox failure', async () => {
    for (const timeout of [1, 5]) {
      const r = await run(provider, 'sleep', { args: ['30'], timeout_ms: timeout });
      assert.equal(r.timedOut, true);
      assert.ok(r.signal === 'SIGTERM' || r.signal === 'SIGKILL', String(r.signal));
    }
  });

  test('ProcessProvider: program with a TERM handler at the timeout → the handler runs before the kill', async () => {
    const r = await run(provider, 'sh', { args: ['-c', 'trap "echo cleaned up; exit 7" TERM; sleep 30 & wait'], timeout_ms: 1000 });
    assert.equal(r.timedOut, true);
    assert.equal(r.stdout, 'cleaned up\n');
    assert.equal(r.exitCode, 7);
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
    const t = tag();
    const r = await run(hardened, 'sh', { args: ['forker.sh', '20'], timeout_ms: 1500, ...t }, tagged);
    const pids = forkedPids(r.stdout);
    assert.ok(pids.length < 20, `nproc=6 should stop the forker early, it started ${pids.length}`);
    assert.deepEqual(await waitUntilGone([r.pid]), []);
    assert.deepEqual(await waitUntilNone('AOK_RUN_TOKEN', t.env.AOK_RUN_TOKEN), []);
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
