import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessProvider } from '../../src/providers/process';
import { makeWorkspace, run } from './process-fixture';

// Red team 15b: the kernel's keyrings are not namespaced by bubblewrap. A sandboxed program is the
// worker's host uid, the owner of that uid's user keyring (`_uid.<uid>`, listed in /proc/keys): it
// linked that keyring into its own session keyring, so possessed every key in it, and read them.

/** add_key and keyctl on this machine's architecture (perl's syscall takes the raw numbers). */
const CALLS: Record<string, { addKey: number; keyctl: number }> = { x64: { addKey: 248, keyctl: 250 }, arm64: { addKey: 217, keyctl: 219 } };

function perl(script: string): string {
  return execFileSync('/usr/bin/perl', ['-e', script], { encoding: 'utf8' });
}

describe('sandbox and the kernel keyrings (red team 15b)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });
  const calls = CALLS[process.arch];
  const secret = `AOK-KEYRING-CANARY-${process.pid}`;
  let keyId = -1;
  after(() => {
    // KEYCTL_UNLINK (9) from the worker's user keyring (-4)
    if (keyId > 0 && calls !== undefined) perl(`syscall(${calls.keyctl}, 9, ${keyId}, -4)`);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("sandbox: a secret in the worker uid's user keyring → a program cannot link the keyring to itself and read the secret", async () => {
    assert.ok(calls !== undefined, `no keyring call numbers for ${process.arch}`);
    // perl's syscall passes a variable's string by pointer (a literal would be read-only)
    keyId = Number(perl(`my ($t, $d, $p) = ("user", "aok-canary-${process.pid}", "${secret}"); print syscall(${calls.addKey}, $t, $d, $p, length $p, -4)`));
    assert.ok(keyId > 0, 'the worker added its canary key');
    const attack = [
      `open(my $k, '<', '/proc/keys') or die; my ($ring) = map { hex((split ' ')[0]) } grep { / _uid\\.${process.getuid?.() ?? 0}: / } <$k>;`,
      `print "ring ", ($ring // 'none'), "\\n"; print "link ", syscall(${calls.keyctl}, 8, $ring, -3), "\\n";`,
      `my ($t, $d) = ("user", "aok-canary-${process.pid}"); my $id = syscall(${calls.keyctl}, 10, -3, $t, $d, 0); print "search $id\\n";`,
      `my $buf = "\\0" x 200; my $n = syscall(${calls.keyctl}, 11, $id, $buf, 200); print "read ", ($n > 0 ? substr($buf, 0, $n) : $n), "\\n";`,
    ].join(' ');
    const r = await run(provider, 'perl', { args: ['-e', attack] });
    assert.doesNotMatch(r.stdout, new RegExp(secret), r.stdout);
    assert.match(r.stdout, /^link -1$/m, r.stdout + r.stderr);
  });
});
