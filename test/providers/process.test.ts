import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { ProcessProvider } from '../../src/providers/process';
import { allowContext, makeWorkspace, run } from './process-fixture';

describe('ProcessProvider', () => {
  const ws = makeWorkspace();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  fs.mkdirSync(path.join(ws, 'sub'));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });

  test('ProcessProvider: argv with shell metacharacters → passed literally, no shell runs', async () => {
    const r = await run(provider, 'echo', { args: ['a; touch pwned', '$(id)', '`id`', '|', '&&'] });
    assert.equal(r.stdout, 'a; touch pwned $(id) `id` | &&\n');
    assert.equal(r.exitCode, 0);
    assert.equal(fs.existsSync(path.join(ws, 'pwned')), false);
  });

  test('ProcessProvider: non-zero exit → exitCode returned, not thrown', async () => {
    const r = await run(provider, 'false');
    assert.equal(r.exitCode, 1);
    assert.equal(r.timedOut, false);
  });

  test('ProcessProvider: executable inside the workspace → ProgramNotFound / ProgramOutsidePath', async () => {
    fs.writeFileSync(path.join(ws, 'evil'), '#!/bin/sh\necho evil\n', { mode: 0o755 });
    await assert.rejects(run(provider, 'evil'), (e) => hasErrorCode(e, 'Provider.ProgramNotFound'));
    await assert.rejects(run(provider, path.join(ws, 'evil')), (e) => hasErrorCode(e, 'Provider.ProgramOutsidePath'));
  });

  test('ProcessProvider: workspace listed as a PATH directory → still refused', async () => {
    const p = new ProcessProvider({ path: [ws, '/usr/bin'], mounts: { '/workspace': ws } });
    await assert.rejects(run(p, 'evil'), (e) => hasErrorCode(e, 'Provider.ProgramOutsidePath'));
  });

  test('ProcessProvider: relative program path → refused by canonicalisation', async () => {
    await assert.rejects(provider.resolve({ action: 'proc.exec', target: './evil' }), (e) => hasErrorCode(e, 'Policy.InvalidTarget'));
  });

  test('ProcessProvider: absolute program outside the fixed PATH → ProgramOutsidePath', async () => {
    await assert.rejects(run(provider, '/usr/lib/x/echo'), (e) => hasErrorCode(e, 'Provider.ProgramOutsidePath'));
  });

  test('ProcessProvider: absolute program in a PATH directory → runs', async () => {
    const r = await run(provider, '/usr/bin/echo', { args: ['hi'] });
    assert.equal(r.stdout, 'hi\n');
  });

  test('ProcessProvider: cwd param → program runs in the mapped directory, seen at its agent path', async () => {
    fs.writeFileSync(path.join(ws, 'sub', 'marker'), '');
    const r = await run(provider, 'pwd', { cwd: '/workspace/sub' });
    assert.equal(r.stdout, '/workspace/sub\n');
    assert.equal((await run(provider, 'ls', { cwd: '/workspace/sub' })).stdout, 'marker\n');
  });

  test('ProcessProvider: cwd through .. out of the mount → CwdOutsideMount', async () => {
    await assert.rejects(run(provider, 'pwd', { cwd: '/workspace/../etc' }), (e) => hasErrorCode(e, 'Provider.CwdOutsideMount'));
  });

  test('ProcessProvider: cwd symlink leading out of the mount → CwdOutsideMount', async () => {
    fs.symlinkSync('/etc', path.join(ws, 'link'));
    await assert.rejects(run(provider, 'pwd', { cwd: '/workspace/link' }), (e) => hasErrorCode(e, 'Provider.CwdOutsideMount'));
  });

  test("ProcessProvider: cwd outside the rule's cwd glob → CwdOutsideMount", async () => {
    await assert.rejects(run(provider, 'pwd', { cwd: '/workspace' }, { cwd: '/workspace/sub/**' }), (e) => hasErrorCode(e, 'Provider.CwdOutsideMount'));
  });

  test('ProcessProvider: worker environment → never inherited (only PATH and allowed names)', async () => {
    process.env['AOK_WORKER_SECRET'] = 'worker-only';
    try {
      const r = await run(provider, 'env', { env: { LANG: 'C' } }, { env: ['LANG'] });
      assert.deepEqual(r.stdout.trim().split('\n').sort(), ['LANG=C', 'PATH=/usr/local/bin:/usr/bin:/bin']);
    } finally {
      delete process.env['AOK_WORKER_SECRET'];
    }
  });

  test('ProcessProvider: env name not on the allow-list → EnvNotAllowed', async () => {
    await assert.rejects(run(provider, 'env', { env: { FOO: '1' } }, { env: ['BAR'] }), (e) => hasErrorCode(e, 'Provider.EnvNotAllowed'));
  });

  for (const name of ['LD_PRELOAD', 'GIT_SSH_COMMAND', 'GIT_CONFIG_COUNT', 'PAGER', 'BASH_ENV']) {
    test(`ProcessProvider: ${name} under an env glob "*" → EnvNotAllowed`, async () => {
      await assert.rejects(run(provider, 'env', { env: { [name]: 'x' } }, { env: ['*'] }), (e) => hasErrorCode(e, 'Provider.EnvNotAllowed'));
    });
  }

  test('ProcessProvider: dangerous name listed literally by the rule → passes', async () => {
    const r = await run(provider, 'env', { env: { PAGER: 'cat' } }, { env: ['PAGER'] });
    assert.match(r.stdout, /^PAGER=cat$/m);
  });

  test('ProcessProvider: PATH in params → EnvNotAllowed (PATH is fixed)', async () => {
    await assert.rejects(run(provider, 'env', { env: { PATH: '/workspace' } }, { env: ['PATH'] }), (e) => hasErrorCode(e, 'Provider.EnvNotAllowed'));
  });

  test('ProcessProvider: unknown param key → InvalidParams, not ignored', async () => {
    await assert.rejects(provider.resolve({ action: 'proc.exec', target: 'echo', params: { timeout: 5 } }), (e) => hasErrorCode(e, 'Provider.InvalidParams'));
  });

  test('ProcessProvider: timeout_ms beyond what a timer holds (2^31 ms) → InvalidParams naming the limit; the program is not started and killed at once', async () => {
    await assert.rejects(
      run(provider, 'sleep', { args: ['0.2'], timeout_ms: 2 ** 31 }),
      (e) => hasErrorCode(e, 'Provider.InvalidParams') && /at most 2147483647/.test((e as Error).message),
    );
    const longest = await run(provider, 'true', { timeout_ms: 2 ** 31 - 1 });
    assert.deepEqual([longest.exitCode, longest.timedOut], [0, false]);
    assert.throws(
      () => new ProcessProvider({ mounts: { '/workspace': ws }, defaultTimeoutMs: 2 ** 31 }),
      (e) => hasErrorCode(e, 'Provider.InvalidParams') && /defaultTimeoutMs/.test((e as Error).message),
    );
  });

  test('ProcessProvider: stdin param → fed to the program', async () => {
    const r = await run(provider, 'cat', { stdin: 'from stdin' });
    assert.equal(r.stdout, 'from stdin');
  });

  test('ProcessProvider: output over the cap → cut at the cap with a truncation flag per stream', async () => {
    const p = new ProcessProvider({ mounts: { '/workspace': ws }, maxOutputBytes: 1000 });
    const r = await run(p, 'head', { args: ['-c', '5000', '/dev/zero'] });
    assert.equal(r.stdout.length, 1000);
    assert.equal(r.stdoutTruncated, true);
    assert.equal(r.stderrTruncated, false);
  });

  test("ProcessProvider: requested timeout above the rule's timeout_ms → clamped to the rule", async () => {
    const r = await run(provider, 'true', { timeout_ms: 60_000 }, { timeout_ms: 2000 });
    assert.equal(r.timeoutMs, 2000);
  });

  test('ProcessProvider: context not issued by the kernel → Kernel.Unauthorized', async () => {
    const resolved = await provider.resolve({ action: 'proc.exec', target: 'true' });
    const forged = { decision: { effect: 'allow' as const, reason: 'forged', target: 'true' }, constraint: {} };
    await assert.rejects(provider.execute(resolved, forged), (e) => hasErrorCode(e, 'Kernel.Unauthorized'));
    const ctx = allowContext('true');
    await provider.execute(resolved, ctx);
    await assert.rejects(provider.execute(resolved, ctx), (e) => hasErrorCode(e, 'Kernel.Unauthorized'));
  });
});
