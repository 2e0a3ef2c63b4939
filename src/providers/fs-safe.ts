/**
 * Safety checks of the filesystem provider. At resolve time the judged path is the real
 * path (`realpathLongestExisting`); at use time the object is reached through verified
 * descriptors (fs-handle.ts) and checked here: only regular files (or directories where
 * asked), never FIFOs, devices or sockets, and never a file with more than one hard link
 * (a hard link can make a file outside the workspace appear inside it).
 *
 * Errors carry only agent-visible paths.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsNotFoundError, FsUnsafeFileError, FsWrongTypeError } from './fs-errors';
import { LOOKUP_NO_LINKS } from './fs-openat2';

const MAX_LINK_HOPS = 40;
const ENOENT = os.constants.errno.ENOENT;
const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK } = fs.constants;

/**
 * Real path of `p` with symlinks resolved in its longest existing prefix; the missing rest
 * is appended. A dangling symlink is followed to where it points, so what is judged is
 * where a write would land.
 * @throws the `fs` error for loops (ELOOP), permissions and the like.
 */
export function realpathLongestExisting(p: string, hops = 0): string {
  if (hops > MAX_LINK_HOPS) throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
  // A normalised absolute path that exists with no link anywhere on it is its own real path:
  // one openat2 (fs-openat2.ts) instead of a readlink per component. So is one whose missing
  // name comes after real folders only (ENOENT: a link met before it would be ELOOP) — the
  // longest existing prefix has no link and the rest is appended as it is, the answer of the
  // steps below (without their failing realpath and lstat). Anything else: realpath.
  if (LOOKUP_NO_LINKS !== undefined && isNormalAbsolute(p)) {
    const found = LOOKUP_NO_LINKS(p);
    if (found === 0 || found === -ENOENT) return p;
  }
  try {
    return fs.realpathSync.native(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  let link: string | undefined;
  try {
    if (fs.lstatSync(p).isSymbolicLink()) link = fs.readlinkSync(p);
  } catch {
    link = undefined;
  }
  if (link !== undefined) return realpathLongestExisting(path.resolve(parent, link), hops + 1);
  return path.join(realpathLongestExisting(parent, hops), path.basename(p));
}

/** `/`, or an absolute path without empty, `.` or `..` components and without a trailing `/`. */
function isNormalAbsolute(p: string): boolean {
  if (p === '/') return true;
  return p.charCodeAt(0) === 47 && p.charCodeAt(p.length - 1) !== 47 && path.posix.normalize(p) === p;
}

/**
 * Refuses anything but the expected type, and files with more than one hard link.
 * @throws FsWrongTypeError / FsUnsafeFileError
 */
export function assertSafeStat(st: fs.Stats, agentPath: string, expect: 'file' | 'directory' | 'any'): void {
  assertSafeMode(st.mode, st.nlink, agentPath, expect);
}

/** {@link assertSafeStat} of an `st_mode` and `st_nlink` (from the addon's open: no `Stats` object). */
export function assertSafeMode(mode: number, nlink: number, agentPath: string, expect: 'file' | 'directory' | 'any'): void {
  const type = mode & S_IFMT;
  const isFile = type === S_IFREG;
  const isDirectory = type === S_IFDIR;
  if (type === S_IFLNK) throw new FsUnsafeFileError(agentPath, 'it is a symbolic link (it changed after it was judged)');
  if (!isFile && !isDirectory) throw new FsUnsafeFileError(agentPath, 'it is a FIFO, device or socket');
  if (expect === 'file' && !isFile) throw new FsWrongTypeError(agentPath, 'a regular file');
  if (expect === 'directory' && !isDirectory) throw new FsWrongTypeError(agentPath, 'a directory');
  if (isFile && nlink > 1) throw new FsUnsafeFileError(agentPath, `it has ${nlink} hard links`);
}

/** Maps an `fs` error to a typed error naming only the agent path; unknown errors pass through. */
export function toFsError(err: unknown, agentPath: string): unknown {
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FsNotFoundError(agentPath);
    case 'ELOOP':
      return new FsUnsafeFileError(agentPath, 'it is a symbolic link (it changed after it was judged)');
    case 'EISDIR':
      return new FsWrongTypeError(agentPath, 'a regular file');
    case 'ENXIO':
      return new FsUnsafeFileError(agentPath, 'it is a FIFO, device or socket');
    default:
      return err;
  }
}
