/**
 * Walking to a target through verified folder descriptors (see fs-handle.ts): the walker
 * the provider's read, write, delete and list and the reversible layer's snapshot, restore
 * and remove all use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FsUnsafeFileError, FsWrongTypeError } from './fs-errors';
import type { HostLocation } from '../kernel/types';
import { Dir, FD_RELATIVE, SHORT_WAY } from './fs-handle';
import { OPEN_NO_LINKS, OPEN_STAT_NO_LINKS } from './fs-openat2';
import { assertSafeMode, assertSafeStat, toFsError } from './fs-safe';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const FILE_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

/** A target as the walker sees it: its mount root (a real folder), the names below it, and the agent path for messages. */
export interface FsTarget {
  readonly root: string;
  readonly parts: readonly string[];
  readonly agentPath: string;
}

/**
 * The target at `loc` (a real host path below its mount root).
 * @throws FsUnsafeFileError when the path lies outside its root or has `.`/`..` segments.
 */
export function targetAt(loc: HostLocation, agentPath: string): FsTarget {
  const { floor, hostPath } = loc;
  // The usual case without path.relative: a normalised path below the root is cut at the root.
  const prefix = floor.endsWith(path.sep) ? floor : floor + path.sep;
  if (hostPath.startsWith(prefix)) {
    const parts = hostPath.slice(prefix.length).split(path.sep);
    if (!parts.some(isNotAName)) return { root: floor, parts, agentPath };
  }
  const rel = path.relative(floor, hostPath);
  const parts = rel === '' ? [] : rel.split(path.sep);
  if (path.isAbsolute(rel) || parts.some(isNotAName)) throw new FsUnsafeFileError(agentPath, 'it lies outside its mount');
  return { root: floor, parts, agentPath };
}

function isNotAName(part: string): boolean {
  return part === '' || part === '.' || part === '..';
}

/**
 * Walks from `target.root` through `parts` (all of them, or `count`), one verified folder at a time.
 * The folders above are closed as soon as the next one is open; the caller closes the result.
 */
export async function walk(target: FsTarget, options: { readonly count?: number; readonly create?: boolean } = {}): Promise<Dir> {
  return walkSync(target, options);
}

/**
 * {@link walk} with synchronous system calls (one `open(2)` per folder, as `walk` makes
 * anyway): no `await` per folder.
 */
function walkSync(target: FsTarget, options: { readonly count?: number; readonly create?: boolean } = {}): Dir {
  const count = options.count ?? target.parts.length;
  // One openat2 that refuses every link on the way first (fs-openat2.ts), where it exists;
  // else the short way (fs-handle.ts): one open by the judged real path, verified by the
  // kernel's own path of the descriptor — not for a worker that can look into other users'
  // mount namespaces (SHORT_WAY). Anything neither can open — a folder to create, a symlink
  // on the way, a rename, not Linux — is walked one folder at a time, as always.
  const hostPath = hostPathOf(target, count);
  const opened = Dir.openNoLinksSync(hostPath) ?? (SHORT_WAY && OPEN_NO_LINKS === undefined ? Dir.openVerifiedSync(hostPath) : undefined);
  if (opened !== undefined) return opened;
  let dir = Dir.rootSync(target.root, target.agentPath);
  try {
    for (let i = 0; i < count; i++) {
      const next = dir.childSync(target.parts[i] as string, target.agentPath, { create: options.create === true, isTarget: i === target.parts.length - 1 });
      dir.closeSync();
      dir = next;
    }
    return dir;
  } catch (err) {
    dir.closeSync();
    throw err;
  }
}

/** The real host path of the first `count` names of `target` below its root. */
function hostPathOf(target: FsTarget, count: number): string {
  if (count === 0) return target.root;
  const below = count === target.parts.length ? target.parts.join('/') : target.parts.slice(0, count).join('/');
  return target.root.endsWith('/') ? target.root + below : `${target.root}/${below}`;
}

/** The verified parent folder of a target and the target's own name in it (`undefined` for the mount root itself). */
export async function walkToParent(target: FsTarget, create = false): Promise<{ dir: Dir; name: string | undefined }> {
  return walkToParentSync(target, create);
}

/** {@link walkToParent}, synchronously (see {@link walkSync}). */
export function walkToParentSync(target: FsTarget, create = false): { dir: Dir; name: string | undefined } {
  const n = target.parts.length;
  const dir = walkSync(target, { count: Math.max(0, n - 1), create });
  return { dir, name: n === 0 ? undefined : target.parts[n - 1] };
}

/**
 * Opens the regular file at `target` for reading and checks the descriptor, with synchronous
 * system calls (each a few µs; a trip through libuv's thread pool costs more), returning
 * the raw descriptor and its `fstat` (the caller closes it): one `openat2` that refuses
 * every link (fs-openat2.ts), or the verified walk and an `O_NOFOLLOW | O_NONBLOCK` open
 * relative to the verified parent; then a regular file with one link (and, off Linux,
 * still at its judged real path).
 * @throws FsNotFoundError / FsWrongTypeError / FsUnsafeFileError
 */
export function openFileFd(target: FsTarget): { fd: number; stat: FileFacts } {
  // The file itself in one openat2 that refuses every link (fs-openat2.ts) where it exists,
  // its fstat in the same call (no Stats object: the read path's hottest allocation);
  // on any failure the walk below opens it, or says precisely why not.
  if (OPEN_STAT_NO_LINKS !== undefined && target.parts.length > 0) {
    const fd = OPEN_STAT_NO_LINKS(hostPathOf(target, target.parts.length), FILE_FLAGS, STAT_OUT);
    if (fd >= 0) {
      const stat: FileFacts = { mode: STAT_OUT[0] as number, nlink: STAT_OUT[1] as number, size: STAT_OUT[2] as number };
      try {
        assertSafeMode(stat.mode, stat.nlink, target.agentPath, 'file');
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      return { fd, stat }; // Linux only (the addon): the descriptor is where it was judged (FD_RELATIVE)
    }
    return checkedFile(openByWalk(target), target);
  }
  const direct = OPEN_NO_LINKS === undefined || target.parts.length === 0 ? -1 : OPEN_NO_LINKS(hostPathOf(target, target.parts.length), FILE_FLAGS);
  return checkedFile(direct >= 0 ? direct : openByWalk(target), target);
}

/** What the read path needs of a file's `fstat`: `fs.Stats` has it too. */
export interface FileFacts {
  readonly mode: number;
  readonly nlink: number;
  readonly size: number;
}

/** Where the addon's openStat writes mode, link count and size (read at once, synchronously). */
const STAT_OUT = new Float64Array(3);

/** The file at `target`, opened relative to its parent reached by {@link walkToParentSync}. */
function openByWalk(target: FsTarget): number {
  const { dir, name } = walkToParentSync(target);
  let fd: number;
  try {
    if (name === undefined) throw new FsWrongTypeError(target.agentPath, 'a regular file');
    try {
      fd = fs.openSync(dir.at(name), FILE_FLAGS);
    } catch (err) {
      throw toFsError(err, target.agentPath);
    }
  } finally {
    dir.closeSync();
  }
  return fd;
}

/** `fd` as a regular file with one link (and, off Linux, still at its judged real path); closed when it is not. */
function checkedFile(fd: number, target: FsTarget): { fd: number; stat: fs.Stats } {
  try {
    const stat = fs.fstatSync(fd);
    assertSafeStat(stat, target.agentPath, 'file');
    if (!FD_RELATIVE) confirmFdByPath(fd, path.join(target.root, ...target.parts), target.agentPath); // (no path built on Linux: a no-op there)
    return { fd, stat };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Elsewhere than Linux only (names are paths there): checks that an open descriptor is still
 * at its judged real path, by realpath and inode, with synchronous calls. A no-op on Linux.
 * @throws FsUnsafeFileError when the file is somewhere else.
 */
export function confirmFdByPath(fd: number, hostPath: string, agentPath: string): void {
  if (FD_RELATIVE) return;
  let real = '';
  let byPath: fs.Stats | undefined;
  try {
    real = fs.realpathSync(hostPath);
    byPath = fs.lstatSync(hostPath);
  } catch {
    byPath = undefined;
  }
  const byFd = fs.fstatSync(fd);
  if (real === hostPath && byPath !== undefined && byPath.ino === byFd.ino && byPath.dev === byFd.dev) return;
  throw new FsUnsafeFileError(agentPath, 'its real location changed after it was judged');
}
