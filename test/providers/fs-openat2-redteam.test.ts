/**
 * Red team 8 against the walker's one-call open (fs-openat2.ts, native/fs-openat2.c).
 *
 * The addon copied the path with `napi_get_value_string_utf8` into a 4096-byte buffer and
 * took "len >= 4095" for "truncated". But V8 never writes part of a character: a path whose
 * UTF-8 form is longer than 4095 bytes, with a multi-byte character (€, 3 bytes) straddling
 * byte 4095, was cut before that character and `len` was 4093 or 4094 — the check passed and
 * openat2 opened a *prefix* of the judged path: `<deep>/x€` opened `<deep>/x`, `<deep>/..€`
 * opened `<deep>/..`. Such a path exceeds PATH_MAX, so the resolve step's realpath refuses it
 * while it exists; it is judged while a folder on the way is still missing and acted on once
 * that folder exists (made between the decision and the effect — a concurrent process, an
 * approval's wait; here `beforeExecute`). These tests failed on the first openat2 commit
 * (eaf343b); the addon now asks for the whole length first and refuses such a path.
 *
 * Also: a build that could not compile left an earlier addon in place (scripts/build-native.js,
 * fixed), and — holding — a folder raced against a link into another user+mount namespace with
 * openat2 on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { OPEN_NO_LINKS } from '../../src/providers/fs-openat2';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';
import { startSwapper } from '../race/swapper';

const EURO = '\u20ac'; // 3 bytes in UTF-8
const SECRET = 'DENIED SECRET';

/**
 * Folder names below `ws` such that `<ws>/<names>/<tail>` is exactly 4094 bytes long: with
 * one more 3-byte character after the tail it is 4097 bytes, cut by the addon back to 4094.
 */
function chainTo(ws: string, tail: string): string[] {
  let remaining = 4094 - Buffer.byteLength(ws) - 1 - Buffer.byteLength(tail) - 1;
  const names: string[] = [];
  let i = 0;
  while (remaining > 0) {
    const len = remaining <= 200 ? remaining : 150;
    names.push(String.fromCharCode(97 + (i++ % 26)).repeat(len));
    remaining -= remaining <= 200 ? remaining : len + 1;
  }
  return names;
}

interface Setup {
  root: string;
  ws: string;
  log: string;
  kernel: Kernel;
  /** The chain of folders (relative to ws), all but the last made now. */
  chain: string[];
  /** The host path of the last folder of the chain (made by the attack). */
  last: string;
}

function setup(policy: string | ((chain: string[]) => string), tail: string): Setup {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws);
  const chain = chainTo(ws, tail);
  const last = path.join(ws, ...chain);
  fs.mkdirSync(path.dirname(last), { recursive: true }); // the last folder is missing when the target is judged
  const log = path.join(root, 'audit.log');
  const kernel = new Kernel({
    policy: writePolicy(root, typeof policy === 'string' ? policy : policy(chain)),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
    logPath: log,
  });
  return { root, ws, log, kernel, chain, last };
}

/** `name` inside the folder `dir` (whose path is short enough), through a descriptor: paths below may exceed PATH_MAX. */
function inside<T>(dir: string, use: (at: (rel: string) => string) => T): T {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    return use((rel) => `/proc/self/fd/${fd}/${rel}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Moves the deep last folder up (so that the temp folder can be removed by path) and removes the root. */
function cleanUp(s: Setup): void {
  if (fs.existsSync(s.last)) fs.renameSync(s.last, path.join(s.ws, 'flattened'));
  fs.rmSync(s.root, { recursive: true, force: true });
}

const agentPath = (s: Setup, ...rest: string[]) => ['/workspace', ...s.chain, ...rest].join('/');

describe('red team 8: the openat2 addon opens a prefix of an over-long path (native/fs-openat2.c)', () => {
  test('the addon: <4094-byte folder>€ → refused (ENAMETOOLONG), never the folder without the €', () => {
    assert.ok(OPEN_NO_LINKS !== undefined, 'the openat2 addon is loaded (npm run build; see fs-openat2.test.ts)');
    const root = tempDir();
    const names = chainTo(root, 'x');
    const x = path.join(root, ...names, 'x');
    fs.mkdirSync(x, { recursive: true });
    assert.equal(Buffer.byteLength(x), 4094);
    const fd = OPEN_NO_LINKS(x + EURO, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    const opened = fd >= 0 ? fs.readlinkSync(`/proc/self/fd/${fd}`) : undefined;
    if (fd >= 0) fs.closeSync(fd);
    const emoji = OPEN_NO_LINKS(`${x}\u{1F600}`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY); // 4 bytes: 4098
    if (emoji >= 0) fs.closeSync(emoji);
    fs.renameSync(path.join(root, ...names), path.join(root, 'flat'));
    fs.rmSync(root, { recursive: true, force: true });
    assert.equal(opened, undefined, `asked for ".../x€" (4097 bytes), opened ".../${opened?.slice(-1)}"`);
    assert.ok(fd < 0);
    assert.ok(emoji < 0, 'asked for ".../x😀" (4098 bytes), opened ".../x"');
  });

  test('fs.write to <deep>/x€/f (allowed) with <deep> made after the decision → never lands in <deep>/x/f (denied); one record', async () => {
    const s = setup('capabilities:\n  - action: fs.write\n    resource: /workspace/**\ndeny:\n  - action: fs.write\n    resource: "/workspace/**/x/**"\n', 'x');
    const r = await s.kernel.submit(
      { action: 'fs.write', target: agentPath(s, `x${EURO}`, 'f'), params: { content: 'PLANTED' } },
      {
        beforeExecute: async () => {
          fs.mkdirSync(path.join(s.last, 'x'), { recursive: true });
        },
      },
    );
    const denied = await s.kernel.submit({ action: 'fs.write', target: agentPath(s, 'x', 'f'), params: { content: 'direct' } });
    await s.kernel.close();
    const planted = inside(s.last, (at) => fs.existsSync(at('x/f')));
    const judged = inside(s.last, (at) => (fs.existsSync(at(`x${EURO}/f`)) ? fs.readFileSync(at(`x${EURO}/f`), 'utf8') : undefined));
    const records = readLog(s.log).map((rec) => rec['status']);
    cleanUp(s);
    assert.equal(denied.status, 'DENIED', 'the policy denies <deep>/x/f itself');
    assert.equal(planted, false, `the write judged as <deep>/x€/f (${r.status}) landed in the denied folder <deep>/x`);
    assert.ok(r.status !== 'OK' || judged === 'PLANTED', JSON.stringify(r));
    assert.deepEqual(records, [r.status, 'DENIED']);
  });

  test('fs.write to <deep>/..€/f (allowed) with <deep> made after the decision → never lands in the folder above <deep> (denied there); one record', async () => {
    // Denied: the file f directly in the folder above <deep> (<deep> itself is the chain's last folder).
    const s = setup(
      (chain) =>
        `capabilities:\n  - action: fs.write\n    resource: "/workspace/**/..\u20ac/*"\n  - action: fs.write\n    resource: /workspace/**\ndeny:\n  - action: fs.write\n    resource: "${['/workspace', ...chain.slice(0, -1), 'f'].join('/')}"\n`,
      '..',
    );
    const above = path.dirname(s.last);
    const r = await s.kernel.submit(
      { action: 'fs.write', target: agentPath(s, `..${EURO}`, 'f'), params: { content: 'PLANTED' } },
      { beforeExecute: async () => fs.mkdirSync(s.last) },
    );
    const denied = await s.kernel.submit({ action: 'fs.write', target: ['/workspace', ...s.chain.slice(0, -1), 'f'].join('/'), params: { content: 'direct' } });
    await s.kernel.close();
    const planted = fs.existsSync(path.join(above, 'f'));
    const records = readLog(s.log).map((rec) => rec['status']);
    cleanUp(s);
    assert.equal(denied.status, 'DENIED', 'the policy denies f directly in the folder above <deep>');
    assert.equal(planted, false, `the write judged as <deep>/..€/f (${r.status}) landed in the folder above <deep>`);
    assert.deepEqual(records, [r.status, 'DENIED'], JSON.stringify(r));
  });

  test('fs.read of <deep>/s€ (allowed) with <deep> made after the decision → never the bytes of <deep>/s (denied); one record', async () => {
    const s = setup('capabilities:\n  - action: fs.read\n    resource: /workspace/**\ndeny:\n  - action: fs.read\n    resource: "/workspace/**/s"\n', 's');
    const r = await s.kernel.submit(
      { action: 'fs.read', target: agentPath(s, `s${EURO}`) },
      {
        beforeExecute: async () => {
          fs.mkdirSync(s.last);
          fs.writeFileSync(path.join(s.last, 's'), SECRET);
        },
      },
    );
    const denied = await s.kernel.submit({ action: 'fs.read', target: agentPath(s, 's') });
    await s.kernel.close();
    const records = readLog(s.log).map((rec) => rec['status']);
    cleanUp(s);
    assert.equal(denied.status, 'DENIED', 'the policy denies <deep>/s itself');
    assert.ok(!JSON.stringify(r).includes(SECRET), `read of <deep>/s€ returned the denied file: ${JSON.stringify(r).slice(0, 200)}`);
    assert.deepEqual(records, [r.status, 'DENIED']);
  });

  test('fs.delete of <deep>/x€/keep (allowed) with <deep> made after the decision → <deep>/x/keep (denied) kept; one record', async () => {
    const s = setup(
      'capabilities:\n  - action: fs.delete\n    resource: /workspace/**\ndeny:\n  - action: fs.delete\n    resource: "/workspace/**/x/**"\n',
      'x',
    );
    const r = await s.kernel.submit(
      { action: 'fs.delete', target: agentPath(s, `x${EURO}`, 'keep') },
      {
        beforeExecute: async () => {
          fs.mkdirSync(path.join(s.last, 'x'), { recursive: true });
          inside(s.last, (at) => fs.writeFileSync(at('x/keep'), 'keep'));
        },
      },
    );
    await s.kernel.close();
    const kept = inside(s.last, (at) => fs.existsSync(at('x/keep')));
    const records = readLog(s.log).map((rec) => rec['status']);
    cleanUp(s);
    assert.equal(kept, true, `the delete judged as <deep>/x€/keep (${r.status}) removed <deep>/x/keep`);
    assert.deepEqual(records, [r.status]);
  });

  test('fs.list of <deep>/x€ (allowed) with <deep> made after the decision → never the names in <deep>/x (denied); one record', async () => {
    const s = setup('capabilities:\n  - action: fs.list\n    resource: /workspace/**\ndeny:\n  - action: fs.list\n    resource: "/workspace/**/x"\n', 'x');
    const r = await s.kernel.submit(
      { action: 'fs.list', target: agentPath(s, `x${EURO}`) },
      {
        beforeExecute: async () => {
          fs.mkdirSync(path.join(s.last, 'x'), { recursive: true });
          inside(s.last, (at) => fs.writeFileSync(at('x/hidden-name.txt'), 'x'));
        },
      },
    );
    await s.kernel.close();
    const records = readLog(s.log).map((rec) => rec['status']);
    cleanUp(s);
    assert.ok(!JSON.stringify(r).includes('hidden-name'), `list of <deep>/x€ listed <deep>/x: ${JSON.stringify(r.data)}`);
    assert.deepEqual(records, [r.status]);
  });

  test('race, no hook: a second process renames a folder holding s in and out as <deep> while fs.read of <deep>/s€ runs (≤ 3,000 reads) → never the bytes of <deep>/s; one record each', async () => {
    const s = setup('capabilities:\n  - action: fs.read\n    resource: /workspace/**\ndeny:\n  - action: fs.read\n    resource: "/workspace/**/s"\n', 's');
    const stage = path.join(path.dirname(s.last), 'stage');
    fs.mkdirSync(stage);
    fs.writeFileSync(path.join(stage, 's'), SECRET);
    const stop = await startRenamer(stage, s.last);
    let leaks = 0;
    let submits = 0;
    try {
      for (let i = 0; i < 3000 && leaks === 0; i++) {
        const r = await s.kernel.submit({ action: 'fs.read', target: agentPath(s, `s${EURO}`) });
        submits++;
        if (JSON.stringify(r).includes(SECRET)) leaks++;
      }
    } finally {
      await stop();
    }
    await s.kernel.close();
    const records = readLog(s.log).length;
    cleanUp(s);
    assert.equal(leaks, 0, `fs.read of <deep>/s€ returned the denied <deep>/s (after ${submits} reads)`);
    assert.equal(records, submits);
  });

  test('race, reversible layer: fs.write of <deep>/s€ while <deep> (holding s) is renamed in and out (500 writes) → the snapshot store never holds the bytes of <deep>/s (denied to read)', async () => {
    const s = setup(
      'capabilities:\n  - action: fs.write\n    resource: /workspace/**\n  - action: fs.read\n    resource: /workspace/**\ndeny:\n  - action: fs.read\n    resource: "/workspace/**/s"\n  - action: fs.write\n    resource: "/workspace/**/s"\n',
      's',
    );
    const storeDir = path.join(s.root, 'store');
    const layer = new ReversibleActionLayer({ kernel: s.kernel, strategies: [new FsWriteSnapshotStrategy()], store: new SnapshotStore(storeDir) });
    const stage = path.join(path.dirname(s.last), 'stage');
    fs.mkdirSync(stage);
    fs.writeFileSync(path.join(stage, 's'), SECRET);
    const stop = await startRenamer(stage, s.last);
    let leaked = false;
    let submits = 0;
    try {
      for (let i = 0; i < 500; i++) {
        await layer.submit({ action: 'fs.write', target: agentPath(s, `s${EURO}`), params: { content: `w${i}` } });
        submits++;
      }
      leaked = storeHolds(storeDir, SECRET) || storeHolds(storeDir, Buffer.from(SECRET).toString('base64'));
    } finally {
      await stop();
    }
    await s.kernel.close();
    cleanUp(s);
    assert.equal(leaked, false, `after ${submits} writes the snapshot store holds the bytes of the denied <deep>/s`);
  });
});

describe('red team 8: the build script (scripts/build-native.js)', () => {
  test('a build that cannot compile (no C compiler now) leaves no earlier addon behind to be loaded', () => {
    // A copy of the build's inputs with an addon from an earlier build in place (e.g. one with the bug above, before a fix).
    const repo = path.join(__dirname, '..', '..', '..');
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'scripts'));
    fs.mkdirSync(path.join(root, 'native'));
    fs.mkdirSync(path.join(root, 'dist', 'native'), { recursive: true });
    fs.copyFileSync(path.join(repo, 'scripts', 'build-native.js'), path.join(root, 'scripts', 'build-native.js'));
    fs.copyFileSync(path.join(repo, 'native', 'fs-openat2.c'), path.join(root, 'native', 'fs-openat2.c'));
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
    const addon = path.join(root, 'dist', 'native', 'fs-openat2.node');
    fs.writeFileSync(addon, 'an addon from an earlier build');
    const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.js')], { encoding: 'utf8', env: { ...process.env, CC: 'false' } });
    const stale = fs.existsSync(addon);
    fs.rmSync(root, { recursive: true, force: true });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /could not compile/);
    assert.equal(stale, false, 'the build said it could not compile, yet the earlier addon stays where fs-openat2.ts loads it from');
  });
});

describe('red team 8: racing a folder against a link into another mount namespace, openat2 on', () => {
  test('ws/a exchanged in a tight loop with a link to /proc/<pid>/root<ws>/a (unshare -Urm: the outside folder at <ws>/a/b there) during 600 reads, lists and writes → no outside byte or name, nothing planted; one record each', async () => {
    const root = tempDir();
    const ws = path.join(root, 'ws');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(path.join(ws, 'a', 'b'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
    fs.writeFileSync(path.join(outside, 'outside-name.txt'), 'x');
    fs.writeFileSync(path.join(ws, 'a', 'b', 'secret.txt'), 'inside');
    const script = 'mount -t tmpfs none "$1" && mkdir -p "$1/a/b" && mount --bind "$0" "$1/a/b" && echo ready && exec sleep 600';
    const other = spawn('unshare', ['-Urm', 'sh', '-c', script, outside, ws], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<string>((resolve) => {
      other.stdout.once('data', (d: Buffer) => resolve(d.toString()));
      other.once('exit', (code) => resolve(`exit ${String(code)}`));
    });
    assert.equal(ready, 'ready\n', 'unshare -Urm with a bind mount works on this machine');
    fs.symlinkSync(`/proc/${String(other.pid)}/root${ws}/a`, path.join(ws, 'a.x'));
    const log = path.join(root, 'audit.log');
    const kernel = new Kernel({
      policy: writePolicy(root, `capabilities:\n${['fs.read', 'fs.list', 'fs.write'].map((a) => `  - action: ${a}\n    resource: /workspace/**\n`).join('')}`),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: log,
    });
    const swapper = await startSwapper(path.join(ws, 'a'), path.join(ws, 'a.x'));
    const seen: string[] = [];
    let submits = 0;
    let swaps = 0;
    try {
      for (let i = 0; i < 200; i++) {
        for (const r of [
          await kernel.submit({ action: 'fs.read', target: '/workspace/a/b/secret.txt' }),
          await kernel.submit({ action: 'fs.list', target: '/workspace/a/b' }),
          await kernel.submit({ action: 'fs.write', target: `/workspace/a/b/planted-${i}.txt`, params: { content: 'planted' } }),
        ]) {
          submits++;
          const text = JSON.stringify(r);
          if (text.includes(SECRET) || text.includes('outside-name')) seen.push(text.slice(0, 200));
        }
      }
    } finally {
      swaps = await swapper.stop();
      const gone = new Promise((resolve) => other.once('exit', resolve));
      other.kill('SIGKILL');
      await gone;
    }
    await kernel.close();
    const outsideNames = fs.readdirSync(outside).sort();
    const records = readLog(log).length;
    fs.rmSync(root, { recursive: true, force: true });
    assert.ok(swaps > 0, 'the swapper ran');
    assert.deepEqual(seen, [], 'an outside byte or name came back');
    assert.deepEqual(outsideNames, ['outside-name.txt', 'secret.txt'], 'something was planted in the outside folder');
    assert.equal(records, submits);
  });
});

/** A second process renaming `a` to `b` and back in a tight loop; resolves once it runs, to a function that kills it. */
async function startRenamer(a: string, b: string): Promise<() => Promise<void>> {
  const loop = `const fs = require('fs'); const [a, b] = process.argv.slice(1); process.stdout.write('go'); for (;;) { try { fs.renameSync(a, b); } catch {} try { fs.renameSync(b, a); } catch {} }`;
  const child = spawn(process.execPath, ['-e', loop, a, b], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return async () => {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };
}

/** True when some file below `dir` holds `text`. */
function storeHolds(dir: string, text: string): boolean {
  if (!fs.existsSync(dir)) return false;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    if (fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name)).includes(text)) return true;
  }
  return false;
}
