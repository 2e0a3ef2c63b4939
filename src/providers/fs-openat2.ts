/**
 * `openat2(2)` with `RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` (Linux 5.6+), through the
 * small addon `native/fs-openat2.c` that `npm run build` compiles into `dist/native/`
 * (scripts/build-native.js): one system call that opens a real host path while the kernel
 * itself refuses every symbolic link on the way and at the end — magic links such as
 * `/proc/<pid>/root/…` and `/proc/self/fd/N` included — so what it opens was reached from
 * this process's root through real folders only, in this process's mount namespace. That is
 * what the walker (fs-handle-walk.ts) otherwise proves one folder at a time, or by the
 * kernel-reported path of the descriptor; here it is one call instead of one `open` and
 * `close` per folder (and works for a worker with `CAP_SYS_PTRACE`, which must not take the
 * short way: fs-handle.ts, SHORT_WAY).
 *
 * Optional and fail-safe: without the addon (no C compiler at build time, not Linux), with
 * a kernel or a seccomp filter that refuses `openat2`, or with `AGENT_OS_FS_OPENAT2=off`
 * (owned here), {@link OPEN_NO_LINKS} and {@link LOOKUP_NO_LINKS} are `undefined`: the
 * walker takes its older ways (the short way where SHORT_WAY holds, else the walk), and the
 * resolve step calls `realpath(3)`. On any failure of a call the walker walks (never the
 * short way), which gives the precise error or makes the missing folders of a write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Opens `hostPath` (absolute) with Node's `fs.constants` flags, refusing every link on the way: a descriptor, or `-errno`. */
export type OpenNoLinks = (hostPath: string, flags: number) => number;

/**
 * Looks `hostPath` (absolute) up refusing every link on the way and at the end: 0 when it
 * exists so (then, normalised, it is its own real path), or `-errno` — `-ENOENT` when a
 * name is missing after real folders only (no link was met before it), `-ELOOP` at a link.
 */
export type LookupNoLinks = (hostPath: string) => number;

/**
 * {@link OpenNoLinks}, then `fstat(2)` of the descriptor into `out` (at least 3 numbers:
 * `st_mode`, `st_nlink`, `st_size`): a descriptor, or `-errno` (nothing left open).
 */
export type OpenStatNoLinks = (hostPath: string, flags: number, out: Float64Array) => number;

/** What the addon exports. */
export interface Addon {
  readonly open: OpenNoLinks;
  readonly real: LookupNoLinks;
  readonly openStat: OpenStatNoLinks;
}

/** The addon's place beside the compiled sources (`dist/native/`, written by scripts/build-native.js). */
export const ADDON_PATH = path.join(__dirname, '..', '..', 'native', 'fs-openat2.node');

const ADDON = load();

/** The open that refuses every link, or `undefined` where it is not available (see the file comment). */
export const OPEN_NO_LINKS: OpenNoLinks | undefined = ADDON?.open;

/** The open of a file to read with its type, link count and size, without a `Stats` object (fs-handle-walk.ts, openFileFd); `undefined` where not available. */
export const OPEN_STAT_NO_LINKS: OpenStatNoLinks | undefined = ADDON?.openStat;

/**
 * The resolve step's shortcut (fs-safe.ts, realpathLongestExisting): one `openat2` with
 * `O_PATH` (nothing is opened for reading; no FIFO or device is touched) and a `close`
 * instead of `realpath(3)`'s `readlink` per component; `undefined` where not available.
 */
export const LOOKUP_NO_LINKS: LookupNoLinks | undefined = ADDON?.real;

function load(): Addon | undefined {
  if (process.platform !== 'linux' || process.env['AGENT_OS_FS_OPENAT2'] === 'off') return undefined;
  let addon: Addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(ADDON_PATH) as Addon;
  } catch {
    return undefined;
  }
  return typeof addon.open === 'function' && typeof addon.real === 'function' && typeof addon.openStat === 'function' && works(addon) ? addon : undefined;
}

/**
 * The links the probe needs refused, for this process's number as `/proc` shows it: a plain
 * symlink at the end of a path and on the way (`/proc/self` is a plain link), and a magic
 * link at the end and on the way (`/proc/<pid>/root`; `/proc/<pid>` is a real folder).
 * Exported for tests.
 */
export function probeLinks(pid: string): readonly string[] {
  return ['/proc/self', '/proc/self/fd', `/proc/${pid}/root`, `/proc/${pid}/root/proc`];
}

/**
 * The probe: the root opens and is its own real path, and both calls refuse with `ELOOP`
 * every link of {@link probeLinks} — `openat2` exists and resolves as promised. All four: a
 * kernel, seccomp filter or emulation that honoured one flag and not the other, or only at
 * the end of a path, would otherwise pass (one kind of link would be followed). Without
 * `/proc` it fails, and the older ways are used. Exported for tests.
 */
export function works(addon: Addon): boolean {
  const { O_RDONLY, O_DIRECTORY } = fs.constants;
  const fd = addon.open('/', O_RDONLY | O_DIRECTORY);
  if (typeof fd !== 'number' || fd < 0) return false;
  fs.closeSync(fd);
  const stat = new Float64Array(3);
  const withStat = addon.openStat('/', O_RDONLY | O_DIRECTORY, stat);
  if (typeof withStat !== 'number' || withStat < 0) return false;
  fs.closeSync(withStat);
  if ((stat[0]! & fs.constants.S_IFMT) !== fs.constants.S_IFDIR) return false;
  if (addon.real('/') !== 0) return false;
  // This process's number in the PID namespace /proc belongs to (process.pid can differ).
  let pid: string;
  try {
    pid = fs.readlinkSync('/proc/self');
  } catch {
    return false;
  }
  return /^[0-9]+$/.test(pid) && probeLinks(pid).every((link) => refused(addon, link));
}

/** Both calls refuse `link` with `ELOOP` (a descriptor opened by mistake is closed). */
function refused(addon: Addon, link: string): boolean {
  const { O_RDONLY, O_DIRECTORY } = fs.constants;
  const ELOOP = os.constants.errno.ELOOP;
  const opened = addon.open(link, O_RDONLY | O_DIRECTORY);
  if (typeof opened !== 'number') return false;
  if (opened >= 0) {
    fs.closeSync(opened);
    return false;
  }
  const withStat = addon.openStat(link, O_RDONLY | O_DIRECTORY, new Float64Array(3));
  if (typeof withStat !== 'number') return false;
  if (withStat >= 0) {
    fs.closeSync(withStat);
    return false;
  }
  return opened === -ELOOP && withStat === -ELOOP && addon.real(link) === -ELOOP;
}
