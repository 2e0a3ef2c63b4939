import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { ProcessProvider, type ProcessResult } from '../../src/providers/process';
import { FORWARDER_FAILED_MESSAGE } from '../../src/providers/sandbox/forwarder';
import { CWD_MOVED_MESSAGE } from '../../src/providers/sandbox/types';
import { makeWorkspace } from './process-fixture';

// Red team 15b: the provider told a run refused before the program started (its working directory
// swapped, the network forwarder down, bubblewrap refusing the checked folder) from the run's exit
// status and stderr — which the program writes too. A program that printed one of those lines and
// exited so was recorded as ERROR "…; nothing ran", its effects and output hidden behind the claim.
describe('proc.exec: a program forging a refusal of the sandbox (red team 15b)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const policy = (network: boolean): string =>
    [
      'version: 1',
      'capabilities:',
      `  - { id: sh, action: proc.exec, resource: sh, constraint: { cwd: "/workspace/**"${network ? ', network: proxy' : ''} } }`,
      '',
    ].join('\n');

  const forgeries: { name: string; line: string; exit: number; network: boolean }[] = [
    { name: 'the working-directory check', line: CWD_MOVED_MESSAGE, exit: 125, network: false },
    { name: "bubblewrap's refusal of the checked folder", line: 'bwrap: Race condition binding dirfd', exit: 1, network: false },
    { name: "bubblewrap's missing descriptor", line: "bwrap: Can't find source path /proc/self/fd/4: No such file or directory", exit: 1, network: false },
    { name: 'the network forwarder', line: FORWARDER_FAILED_MESSAGE, exit: 125, network: true },
  ];
  let n = 0;
  test('proc.exec: the start report → no process of the sandbox holds its descriptor once the program runs', async () => {
    n += 1;
    const kernel = new Kernel({
      policy: loadPolicyText(policy(false), `held-${n}.yaml`),
      providers: [new ProcessProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(root, `held-${n}.log`),
    });
    const script = 'for p in /proc/[0-9]*; do [ -e "$p/fd/5" ] && echo "$p"; done; echo done';
    const r = await kernel.submit({ action: 'proc.exec', target: 'sh', params: { args: ['-c', script], cwd: '/workspace' } });
    await kernel.close();
    assert.equal(r.status, 'OK', r.error);
    assert.equal((r.data as ProcessResult).stdout, 'done\n');
  });

  for (const f of forgeries) {
    test(`proc.exec: a program that prints ${f.name}'s line and exits ${f.exit} → OK with its exit status and output, not "nothing ran"`, async () => {
      n += 1;
      const effect = `effect-${n}`;
      const kernel = new Kernel({
        policy: loadPolicyText(policy(f.network), `forged-${n}.yaml`),
        providers: [new ProcessProvider({ mounts: { '/workspace': ws } })],
        logPath: path.join(root, `forged-${n}.log`),
      });
      const script = `echo ran > /workspace/${effect}; printf '%s\\n' "$0" >&2; exit ${f.exit}`;
      const r = await kernel.submit({ action: 'proc.exec', target: 'sh', params: { args: ['-c', script, f.line], cwd: '/workspace' } });
      await kernel.close();
      assert.equal(fs.readFileSync(path.join(ws, effect), 'utf8'), 'ran\n', 'the program ran');
      assert.equal(r.status, 'OK', `${r.code ?? ''} ${r.error ?? ''}`);
      const data = r.data as ProcessResult;
      assert.equal(data.exitCode, f.exit);
      assert.equal(data.stderr, `${f.line}\n`);
    });
  }
});
