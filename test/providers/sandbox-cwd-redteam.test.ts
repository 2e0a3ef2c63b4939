/**
 * Red team (sandbox-cwd): what a sandboxed program can see through the read-only view of its
 * checked working directory at /run/agent-os-cwd.
 *
 * bubblewrap binds that view from the launcher's descriptor, i.e. from the host's folder as
 * the host's mount namespace shows it — not as the sandbox shows it. A mount of the sandbox
 * nested inside the working directory (the mount table allows nested mounts: the innermost
 * wins, e.g. `/workspace/data` over `/workspace`) hides what the host folder holds at that
 * place; the view at /run/agent-os-cwd does not have that mount, so the program reads the
 * host files the nested mount was hiding. Before the change there was no such view.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessProvider } from '../../src/providers/process';
import { SANDBOX_CWD_REF } from '../../src/providers/sandbox/types';
import { makeWorkspace, run } from './process-fixture';

describe('red team sandbox-cwd: the view at /run/agent-os-cwd', () => {
  const root = makeWorkspace();
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a nested mount hides a folder of the workspace → the program does not read the hidden files through the view of its working directory', async () => {
    const ws = path.join(root, 'ws');
    const data = path.join(root, 'data');
    // On the host, ws/data holds a file; the sandbox shows data/ (public) over /workspace/data instead.
    fs.mkdirSync(path.join(ws, 'data'), { recursive: true, mode: 0o755 });
    fs.mkdirSync(data, { mode: 0o755 });
    fs.chmodSync(ws, 0o755);
    fs.writeFileSync(path.join(ws, 'data', 'hidden.txt'), 'HIDDEN BY THE NESTED MOUNT', { mode: 0o644 });
    fs.writeFileSync(path.join(data, 'public.txt'), 'public', { mode: 0o644 });
    fs.mkdirSync(path.join(ws, 'sub'), { mode: 0o755 });
    const provider = new ProcessProvider({ mounts: { '/workspace': ws, '/workspace/data': data } });
    // Control: the sandbox's own /workspace/data is the nested mount.
    const control = await run(provider, 'sh', { cwd: '/workspace', args: ['-c', 'ls /workspace/data; cat /workspace/data/hidden.txt 2>/dev/null; true'] });
    assert.equal(control.stdout, 'public.txt\n', control.stderr);
    const r = await run(provider, 'sh', { cwd: '/workspace', args: ['-c', `cat ${SANDBOX_CWD_REF}/data/hidden.txt 2>/dev/null; true`] });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(!r.stdout.includes('HIDDEN'), `the program read a file the nested mount hides: ${JSON.stringify(r.stdout)}`);
  });
  test('a working directory the sandbox uid cannot enter (a parent folder 0700, hardening uid 65534) → reported as the permission problem it is, not as a swapped link', async () => {
    const ws = path.join(root, 'ws-perm');
    fs.mkdirSync(path.join(ws, 'a', 'b'), { recursive: true });
    fs.chmodSync(ws, 0o755);
    fs.chmodSync(path.join(ws, 'a'), 0o700); // the worker (root) enters it; uid 65534 cannot
    fs.chmodSync(path.join(ws, 'a', 'b'), 0o777);
    const provider = new ProcessProvider({ mounts: { '/workspace': ws }, hardening: { uid: 65534, gid: 65534 } });
    let said: string;
    try {
      const r = await run(provider, 'sh', { cwd: '/workspace/a/b', args: ['-c', 'pwd'] });
      said = `exit ${String(r.exitCode)}: ${r.stdout}${r.stderr}`;
    } catch (err) {
      said = `${String((err as { code?: unknown }).code)}: ${(err as Error).message}`;
    }
    // Before the change: exit 1, "bwrap: Can't chdir to /workspace/a/b: Permission denied".
    assert.match(said, /Permission denied/, said);
    assert.doesNotMatch(said, /swapped|CwdOutsideMount/, said);
  });
});
