/**
 * Hostile filesystem requests: traversal, symlink and hard-link escapes, a file swapped for a
 * symlink between check and use, NUL bytes, case and encoding tricks, special files.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAdversarialTable, type AdversarialCase } from './adversarial-runner';
import type { Sandbox } from './adversarial-harness';

const read = (target: string): { action: string; target: string } => ({ action: 'fs.read', target });
const write = (target: string, content = 'pwned'): { action: string; target: string; params: { content: string } } => ({
  action: 'fs.write',
  target,
  params: { content },
});
const link = (s: Sandbox, rel: string, to: string): void => {
  fs.rmSync(path.join(s.ws, rel), { force: true, recursive: true });
  fs.mkdirSync(path.dirname(path.join(s.ws, rel)), { recursive: true });
  fs.symlinkSync(to, path.join(s.ws, rel));
};

/** A separate process that swaps `ws/output/race.txt` between a regular file and a symlink to the secret, as fast as it can. */
function swapper(s: Sandbox): { started: Promise<void>; stop(): Promise<void> } {
  const target = path.join(s.ws, 'output', 'race.txt');
  const code = `const fs=require('fs');const t=${JSON.stringify(target)},l=t+'.l',f=t+'.f';
    let n=0;for(;;){if(n++===50)process.stdout.write('go\\n');try{fs.writeFileSync(f,'plain');fs.renameSync(f,t);fs.rmSync(l,{force:true});fs.symlinkSync(${JSON.stringify(path.join(s.outside, 'secret.txt'))},l);fs.renameSync(l,t);}catch{}}`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  return {
    started: new Promise((resolve) => child.stdout.once('data', () => resolve())),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

const cases: AdversarialCase[] = [
  { name: 'fs traversal: /workspace/../outside/secret.txt → DENIED', expect: 'DENIED', request: read('/workspace/../outside/secret.txt') },
  { name: 'fs traversal: deep ../../../../etc/passwd from output → DENIED', expect: 'DENIED', request: read('/workspace/output/../../../../etc/passwd') },
  { name: 'fs traversal: relative ../outside/secret.txt → DENIED', expect: 'DENIED', request: read('../outside/secret.txt') },
  {
    name: 'fs traversal: double slashes and dot segments //workspace/./output/../../x → DENIED',
    expect: 'DENIED',
    request: read('//workspace/./output/../../outside/secret.txt'),
  },
  {
    name: 'fs traversal: write /workspace/output/../../outside/secret.txt → DENIED, secret untouched',
    expect: 'DENIED',
    request: write('/workspace/output/../../outside/secret.txt'),
  },
  {
    name: 'fs traversal: backslash separators \\..\\ are not separators → not an escape',
    expect: ['DENIED', 'ERROR'],
    why: 'a name with backslashes is an ordinary (missing) file inside the workspace',
    request: read('/workspace\\..\\outside\\secret.txt'),
  },
  {
    name: 'fs traversal: percent-encoded dots %2e%2e are literal names → not an escape',
    expect: 'ERROR',
    request: read('/workspace/%2e%2e/outside/secret.txt'),
  },
  {
    name: 'fs NUL byte: /workspace/data.txt\\0/../../etc/passwd → refused',
    expect: ['DENIED', 'ERROR'],
    why: 'refused as an invalid target, either by the policy stage or the provider',
    request: read('/workspace/data.txt\0/../../etc/passwd'),
  },
  {
    name: 'fs NUL byte: write /workspace/output/a\\0b → refused, nothing created',
    expect: ['DENIED', 'ERROR'],
    why: 'refused as an invalid target',
    request: write('/workspace/output/a\0b'),
    check: (_r, s) =>
      assert.deepEqual(
        fs.readdirSync(path.join(s.ws, 'output')).filter((n) => n.startsWith('a')),
        [],
      ),
  },
  { name: 'fs case trick: /WORKSPACE/data.txt → DENIED (paths are case-sensitive)', expect: 'DENIED', request: read('/WORKSPACE/data.txt') },
  { name: 'fs case trick: write /workspace/OUTPUT/x → DENIED', expect: 'DENIED', request: write('/workspace/OUTPUT/x') },
  { name: 'fs case trick: read-only area /workspace/data.txt is not writable → DENIED', expect: 'DENIED', request: write('/workspace/data.txt') },
  {
    name: 'fs symlink escape: file link to the secret → DENIED',
    expect: 'DENIED',
    setup: (s) => link(s, 'leak.txt', path.join(s.outside, 'secret.txt')),
    request: read('/workspace/leak.txt'),
  },
  {
    name: 'fs symlink escape: folder link, read through it → DENIED',
    expect: 'DENIED',
    setup: (s) => link(s, 'outdir', s.outside),
    request: read('/workspace/outdir/nested/deep.txt'),
  },
  {
    name: 'fs symlink escape: write through a linked folder in output → DENIED',
    expect: 'DENIED',
    setup: (s) => link(s, 'output/outdir', s.outside),
    request: write('/workspace/output/outdir/new.txt'),
  },
  {
    name: 'fs symlink escape: overwrite a link that points at the secret → DENIED',
    expect: 'DENIED',
    setup: (s) => link(s, 'output/secret-link', path.join(s.outside, 'secret.txt')),
    request: write('/workspace/output/secret-link'),
  },
  {
    name: 'fs symlink escape: relative link ../outside → DENIED',
    expect: 'DENIED',
    setup: (s) => link(s, 'rel', '../outside'),
    request: read('/workspace/rel/secret.txt'),
  },
  {
    name: 'fs symlink escape: chain a → b → outside → DENIED',
    expect: 'DENIED',
    setup: (s) => {
      link(s, 'chain-b', path.join(s.outside, 'secret.txt'));
      link(s, 'chain-a', path.join(s.ws, 'chain-b'));
    },
    request: read('/workspace/chain-a'),
  },
  {
    name: 'fs symlink escape: link to / then /workspace/root/etc/passwd → DENIED',
    expect: 'DENIED',
    setup: (s) => link(s, 'root', '/'),
    request: read('/workspace/root/etc/passwd'),
  },
  { name: 'fs symlink escape: link to /dev/zero → DENIED', expect: 'DENIED', setup: (s) => link(s, 'zero', '/dev/zero'), request: read('/workspace/zero') },
  {
    name: 'fs symlink loop: self-referencing link → refused, no hang',
    expect: ['DENIED', 'ERROR'],
    why: 'ELOOP may surface while resolving or at use',
    setup: (s) => link(s, 'loop', 'loop'),
    request: read('/workspace/loop'),
  },
  {
    name: 'fs symlink: delete a link to the outside folder → DENIED, outside intact',
    expect: 'DENIED',
    setup: (s) => link(s, 'output/gone', s.outside),
    request: { action: 'fs.delete', target: '/workspace/output/gone', params: { recursive: true } },
  },
  {
    name: 'fs hard-link escape: read a hard link to the secret → ERROR (nlink > 1 refused)',
    expect: 'ERROR',
    setup: (s) => {
      fs.rmSync(path.join(s.ws, 'hard.txt'), { force: true });
      fs.linkSync(path.join(s.outside, 'secret.txt'), path.join(s.ws, 'hard.txt'));
    },
    request: read('/workspace/hard.txt'),
  },
  {
    name: 'fs hard-link escape: write a hard link to the secret → refused, secret unchanged',
    expect: ['ERROR', 'OK'],
    why: 'refused (nlink > 1), or replaced by rename, which cuts the link; the canary hash proves the secret unchanged',
    setup: (s) => {
      fs.rmSync(path.join(s.ws, 'output', 'hard.txt'), { force: true });
      fs.linkSync(path.join(s.outside, 'secret.txt'), path.join(s.ws, 'output', 'hard.txt'));
    },
    request: write('/workspace/output/hard.txt'),
  },
  {
    name: 'fs TOCTOU: file swapped for a symlink to the secret in a loop (300 reads) → never the secret',
    expect: ['OK', 'DENIED', 'ERROR'],
    why: 'each read sees the plain file (OK), a link (DENIED at resolve / ERROR at use) or a moment without the file',
    setup: (s) => fs.writeFileSync(path.join(s.ws, 'output', 'race.txt'), 'plain'),
    during: swapper,
    repeat: 300,
    request: read('/workspace/output/race.txt'),
    check: (r) => {
      if (r.status === 'OK') assert.equal(r.data, 'plain');
    },
  },
  {
    name: 'fs TOCTOU: writes racing a symlink swap (300 writes) → the secret never overwritten',
    expect: ['OK', 'DENIED', 'ERROR'],
    why: 'a write lands on the plain file or is refused; the canary hash proves the secret untouched',
    setup: (s) => fs.writeFileSync(path.join(s.ws, 'output', 'race.txt'), 'plain'),
    during: swapper,
    repeat: 300,
    request: write('/workspace/output/race.txt', 'overwritten'),
  },
  {
    name: 'fs special file: a FIFO in the workspace → ERROR at once, no hang',
    expect: 'ERROR',
    setup: (s) => {
      fs.rmSync(path.join(s.ws, 'fifo'), { force: true });
      spawnSyncOk('mkfifo', [path.join(s.ws, 'fifo')]);
    },
    request: read('/workspace/fifo'),
    timeout: 10_000,
  },
  {
    name: 'fs mode: setuid bit on write → ERROR (mode refused)',
    expect: 'ERROR',
    request: { action: 'fs.write', target: '/workspace/output/suid', params: { content: '#!/bin/sh', mode: 0o4755 } },
  },
  {
    name: 'fs params: unknown param "append" → ERROR, not ignored',
    expect: 'ERROR',
    request: { action: 'fs.write', target: '/workspace/output/x.txt', params: { content: 'a', append: true } },
    check: (_r, s) => assert.equal(fs.existsSync(path.join(s.ws, 'output', 'x.txt')), false),
  },
  { name: 'fs proc files: /proc/self/environ → DENIED', expect: 'DENIED', request: read('/proc/self/environ') },
  {
    name: 'fs huge path: 64 KiB of segments → refused without a crash',
    expect: ['DENIED', 'ERROR'],
    why: 'ENAMETOOLONG or an invalid target',
    request: read(`/workspace/${'a/'.repeat(32 * 1024)}x`),
  },
  { name: 'fs list: /workspace/.. → DENIED', expect: 'DENIED', request: { action: 'fs.list', target: '/workspace/..' } },
  {
    name: 'fs unicode: fullwidth dots ．．/．． are names, not parents → written inside output',
    expect: 'OK',
    request: write('/workspace/output/．．/．．/x.txt', 'inside'),
    check: (_r, s) => assert.equal(fs.readFileSync(path.join(s.ws, 'output', '．．', '．．', 'x.txt'), 'utf8'), 'inside'),
  },
];

function spawnSyncOk(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args);
  assert.equal(r.status, 0, `${cmd} failed`);
}

runAdversarialTable('adversarial: filesystem', cases);
