/**
 * The walker's one-call open (fs-openat2.ts): `openat2` with every link refused — a symlink
 * on the way or at the end, and magic links such as `/proc/<pid>/root` and `/proc/self/fd/N`
 * that lead into another mount namespace or to an open descriptor. When it is off
 * (`AGENT_OS_FS_OPENAT2=off`, or no addon) the walker's other ways decide: the attack suites
 * run again in a process with it off.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADDON_PATH, type Addon, LOOKUP_NO_LINKS, OPEN_NO_LINKS, OPEN_STAT_NO_LINKS, probeLinks, works } from '../../src/providers/fs-openat2';
import { realpathLongestExisting } from '../../src/providers/fs-safe';
import { tempDir } from '../kernel/kernel-helpers';
import { assertSuitesPassWithoutOpenat2 } from '../helpers/openat2-off';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
const { ELOOP, ENOENT, ENOTDIR, EINVAL, ENAMETOOLONG, ENOSYS, EPERM } = os.constants.errno;

/** Why the addon is missing, for every test that needs it. */
const NO_ADDON = `the openat2 addon is not loaded (${ADDON_PATH}): npm run build compiles native/fs-openat2.c and needs a C compiler (as root: apt-get install gcc libc6-dev) and Linux 5.6+`;

function openOrErrno(hostPath: string, flags = O_RDONLY | O_NOFOLLOW): number {
  const open = OPEN_NO_LINKS;
  assert.ok(open !== undefined, NO_ADDON);
  const fd = open(hostPath, flags);
  if (fd >= 0) fs.closeSync(fd);
  return fd >= 0 ? 0 : fd;
}

/** `<root>/a/b/f.txt`, `<root>/link` → `<root>/a`, `<root>/a/b/to-f` → `f.txt`. */
function linkTree(): { root: string; real: string } {
  const root = tempDir();
  const real = path.join(root, 'a', 'b');
  fs.mkdirSync(real, { recursive: true });
  fs.writeFileSync(path.join(real, 'f.txt'), 'x');
  fs.symlinkSync(path.join(root, 'a'), path.join(root, 'link'));
  fs.symlinkSync(path.join(real, 'f.txt'), path.join(real, 'to-f'));
  return { root, real };
}

describe('openat2 with every link refused (fs-openat2.ts)', () => {
  test('on Linux the addon is built and works (npm run build compiles it; it needs a C compiler)', () => {
    if (process.platform !== 'linux') {
      assert.equal(OPEN_NO_LINKS, undefined, 'Linux only');
      return;
    }
    assert.ok(fs.existsSync(ADDON_PATH), NO_ADDON);
    assert.ok(OPEN_NO_LINKS !== undefined, `${NO_ADDON}; it is built but does not load, or openat2 does not refuse a magic link on this kernel`);
  });

  test('a real path opens; a symlink on the way or at the end, a magic link, a NUL, an over-long path → refused', () => {
    const { root, real } = linkTree();
    assert.equal(openOrErrno(path.join(real, 'f.txt')), 0);
    assert.equal(openOrErrno(real, O_RDONLY | O_DIRECTORY), 0);
    assert.equal(openOrErrno(path.join(root, 'link', 'b', 'f.txt')), -ELOOP, 'a symlink on the way');
    assert.equal(openOrErrno(path.join(root, 'link', 'b'), O_RDONLY | O_DIRECTORY), -ELOOP, 'a symlink folder on the way');
    assert.equal(openOrErrno(path.join(real, 'to-f'), O_RDONLY), -ELOOP, 'a symlink at the end, even without O_NOFOLLOW');
    assert.equal(openOrErrno(`/proc/${process.pid}/root${real}/f.txt`), -ELOOP, 'a magic link into a (possibly other) root');
    const fd = fs.openSync(real, O_RDONLY | O_DIRECTORY);
    try {
      assert.equal(openOrErrno(`/proc/${process.pid}/fd/${fd}/f.txt`), -ELOOP, 'a magic link to an open descriptor');
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(openOrErrno(path.join(real, 'missing')), -ENOENT);
    assert.equal(openOrErrno(path.join(real, 'new.txt'), fs.constants.O_WRONLY | fs.constants.O_CREAT), -EINVAL, 'it never creates');
    assert.equal(fs.existsSync(path.join(real, 'new.txt')), false);
    assert.equal(openOrErrno(`${real}/f.txt\0/../../etc/passwd`), -EINVAL, 'a NUL never cuts the path short');
    assert.equal(openOrErrno(`/${'x/'.repeat(2100)}`), -ENAMETOOLONG);
    // Node-API cuts a string that does not fit *before* a character that would straddle the end:
    // 4,094 bytes then '€' (3 bytes) must not become the 4,094-byte prefix (which the kernel would look up).
    const straddling = `/${'a/'.repeat(2046)}b\u20ac`;
    assert.equal(openOrErrno(straddling), -ENAMETOOLONG, 'a path cut at a character boundary is never opened');
    assert.equal(LOOKUP_NO_LINKS?.(straddling), -ENAMETOOLONG);
  });

  test("openStat: the same open, and the descriptor's mode, link count and size; a link on the way or at the end, a FIFO's type, a bad buffer → as told", () => {
    const { root, real } = linkTree();
    const openStat = OPEN_STAT_NO_LINKS;
    assert.ok(openStat !== undefined, NO_ADDON);
    fs.linkSync(path.join(real, 'f.txt'), path.join(real, 'hard'));
    const out = new Float64Array(3);
    const fd = openStat(path.join(real, 'f.txt'), O_RDONLY | O_NOFOLLOW, out);
    assert.ok(fd >= 0, `opened: ${fd}`);
    const st = fs.fstatSync(fd);
    fs.closeSync(fd);
    assert.deepEqual([...out], [st.mode, 2, 1], 'mode as fstat gives it, two links (f.txt and hard), one byte');
    assert.equal(openStat(path.join(root, 'link', 'b', 'f.txt'), O_RDONLY, out), -ELOOP, 'a symlink on the way');
    assert.equal(openStat(path.join(real, 'to-f'), O_RDONLY, out), -ELOOP, 'a symlink at the end');
    assert.equal(openStat(path.join(real, 'missing'), O_RDONLY, out), -ENOENT);
    assert.equal(openStat(path.join(real, 'f.txt'), O_RDONLY, new Float64Array(2)), -EINVAL, 'a buffer too small');
    assert.equal(openStat(path.join(real, 'f.txt'), O_RDONLY, new Uint32Array(3) as unknown as Float64Array), -EINVAL, 'not a Float64Array');
    assert.equal(openStat(path.join(real, 'new'), fs.constants.O_WRONLY | fs.constants.O_CREAT, out), -EINVAL, 'it never creates');
    assert.equal(fs.existsSync(path.join(real, 'new')), false);
  });

  test('the start-up probe turns the addon off unless both calls refuse plain and magic links, at the end of a path and on the way', () => {
    assert.ok(OPEN_NO_LINKS !== undefined && LOOKUP_NO_LINKS !== undefined && OPEN_STAT_NO_LINKS !== undefined, NO_ADDON);
    const real: Addon = { open: OPEN_NO_LINKS, real: LOOKUP_NO_LINKS, openStat: OPEN_STAT_NO_LINKS };
    assert.equal(works(real), true);
    const pid = fs.readlinkSync('/proc/self'); // this process as /proc numbers it
    const links = probeLinks(pid);
    assert.deepEqual(links, ['/proc/self', '/proc/self/fd', `/proc/${pid}/root`, `/proc/${pid}/root/proc`]);
    for (const link of links) assert.equal(real.open(link, O_RDONLY | O_DIRECTORY), -ELOOP, `the addon refuses ${link}`);
    // The same calls, except that one of the probe's paths is followed (as by a kernel, filter
    // or emulation that honours one flag only, or only at the end of a path), or refused with
    // another errno.
    const differing = (link: string, which: 'open' | 'real' | 'openStat', answer: 'follow' | 'EPERM'): Addon => ({
      open: (p, flags) => (which === 'open' && p === link ? (answer === 'follow' ? fs.openSync(p, flags) : -EPERM) : real.open(p, flags)),
      real: (p) => (which === 'real' && p === link ? (answer === 'follow' ? 0 : -EPERM) : real.real(p)),
      openStat: (p, flags, out) => (which === 'openStat' && p === link ? (answer === 'follow' ? fs.openSync(p, flags) : -EPERM) : real.openStat(p, flags, out)),
    });
    for (const link of links) {
      for (const which of ['open', 'real', 'openStat'] as const) {
        assert.equal(works(differing(link, which, 'follow')), false, `the ${which} call follows ${link}`);
        assert.equal(works(differing(link, which, 'EPERM')), false, `the ${which} call refuses ${link} with EPERM, not ELOOP`);
      }
    }
    assert.equal(works({ ...real, real: (p) => (p === '/' ? -ENOENT : real.real(p)) }), false, 'the root is not its own real path');
    assert.equal(works({ open: () => -ENOSYS, real: () => -ENOSYS, openStat: () => -ENOSYS }), false, 'no openat2 (an old kernel, or seccomp)');
    assert.equal(works({ ...real, openStat: (p, flags) => real.open(p, flags) }), false, 'an openStat that does not fill in the stat');
  });

  test('the resolve shortcut: a path with no link is its own real path; with a link anywhere, or odd spelling, realpath decides — same answers as realpath(3)', () => {
    const { root, real } = linkTree();
    fs.symlinkSync(path.join(real, 'nowhere.txt'), path.join(real, 'dangling'));
    fs.mkdirSync(path.join(real, 'sub'));
    fs.symlinkSync(path.join(real, 'sub'), path.join(real, 'to-sub'));
    const lookup = LOOKUP_NO_LINKS;
    assert.ok(lookup !== undefined, NO_ADDON);
    assert.equal(lookup(path.join(real, 'f.txt')), 0);
    assert.equal(lookup(path.join(root, 'link', 'b', 'f.txt')), -ELOOP);
    assert.equal(lookup(path.join(real, 'to-f')), -ELOOP);
    assert.equal(lookup(path.join(real, 'dangling')), -ELOOP, 'a dangling link is a link, not a missing name');
    assert.equal(lookup(`/proc/${process.pid}/root${real}`), -ELOOP, 'a magic link');
    assert.equal(lookup(`/proc/self/root${real}`), -ELOOP, 'a plain link (/proc/self) before it');
    assert.equal(lookup(`${real}/relative`.slice(1)), -EINVAL, 'absolute paths only');
    assert.equal(lookup(path.join(real, 'missing')), -ENOENT);
    assert.equal(lookup(path.join(real, 'missing', 'deeper')), -ENOENT);
    assert.equal(lookup(path.join(root, 'link', 'missing')), -ELOOP, 'a link before the missing name');
    assert.equal(lookup(path.join(real, 'f.txt', 'x')), -ENOTDIR);
    const cases: Array<[string, string]> = [
      [path.join(real, 'f.txt'), path.join(real, 'f.txt')],
      [path.join(root, 'link', 'b', 'f.txt'), path.join(real, 'f.txt')],
      [path.join(real, 'to-f'), path.join(real, 'f.txt')],
      [path.join(real, 'dangling'), path.join(real, 'nowhere.txt')],
      [path.join(real, 'missing', 'deeper.txt'), path.join(real, 'missing', 'deeper.txt')],
      [path.join(root, 'link', 'missing', 'deeper.txt'), path.join(real, '..', 'missing', 'deeper.txt')],
      [path.join(real, 'to-sub', 'new.txt'), path.join(real, 'sub', 'new.txt')],
      [path.join(real, 'dangling', 'below.txt'), path.join(real, 'nowhere.txt', 'below.txt')],
      [path.join(real, 'f.txt', 'x'), path.join(real, 'f.txt', 'x')],
      [`${real}/./f.txt`, path.join(real, 'f.txt')],
      [`${real}/../b/f.txt`, path.join(real, 'f.txt')],
      [`${real}/`, real],
      [`/proc/self/root${real}/f.txt`, path.join(real, 'f.txt')],
      [`/proc/${process.pid}/root${real}/f.txt`, path.join(real, 'f.txt')],
      ['/', '/'],
    ];
    for (const [given, expected] of cases) assert.equal(realpathLongestExisting(given), expected, given);
    // And the same answers as the steps without openat2, in a process with it off.
    const withoutIt = `const { realpathLongestExisting } = require(${JSON.stringify(require.resolve('../../src/providers/fs-safe'))}); process.stdout.write(JSON.stringify(${JSON.stringify(cases.map(([given]) => given))}.map((p) => realpathLongestExisting(p))))`;
    const off = spawnSync(process.execPath, ['-e', withoutIt], { encoding: 'utf8', env: { ...process.env, AGENT_OS_FS_OPENAT2: 'off' } });
    assert.deepEqual(
      JSON.parse(off.stdout) as unknown,
      cases.map(([, expected]) => expected),
      off.stderr,
    );
  });

  test('AGENT_OS_FS_OPENAT2=off turns it off', () => {
    const probe = `process.stdout.write(String(require(${JSON.stringify(require.resolve('../../src/providers/fs-openat2'))}).OPEN_NO_LINKS === undefined))`;
    const out = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, AGENT_OS_FS_OPENAT2: 'off' } });
    assert.equal(out.stdout, 'true', out.stderr);
  });

  test('with it off, the walker attack suites pass as well (short way, walk, foreign namespace, handles, red team)', () => {
    const suites = ['filesystem-handles', 'filesystem-verified-open', 'filesystem-redteam', 'fs-foreign-namespace'].map((name) =>
      path.join(__dirname, `${name}.test.js`),
    );
    assertSuitesPassWithoutOpenat2(suites, 10);
  });
});
