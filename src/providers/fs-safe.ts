/**
 * Use-time safety for the filesystem provider. The policy judged a path at resolve time;
 * these checks make sure the object touched at use time is the one that was judged:
 *
 * - open with `O_NOFOLLOW` (a final symlink swapped in later is refused, not followed);
 * - `fstat` the open descriptor: only regular files (or directories where asked), never
 *   FIFOs, devices or sockets, and never a file with more than one hard link (a hard link
 *   can make a file outside the workspace appear inside it);
 * - compare where the descriptor really is (`/proc/self/fd`, else realpath + inode) with
 *   the judged real path, so a parent directory swapped for a symlink is caught.
 *
 * Errors carry only agent-visible paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsNotFoundError, FsUnsafeFileError, FsWrongTypeError } from './fs-errors';

const { O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const MAX_LINK_HOPS = 40;

/**
 * Real path of `p` with symlinks resolved in its longest existing prefix; the missing rest
 * is appended. A dangling symlink is followed to where it points, so what is judged is
 * where a write would land.
 * @throws the `fs` error for loops (ELOOP), permissions and the like.
 */
export function realpathLongestExisting(p: string, hops = 0): string {
  if (hops > MAX_LINK_HOPS) throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
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

/** Opens `hostPath` without following a final symlink and checks what was opened. */
export async function openChecked(
  hostPath: string,
  agentPath: string,
  flags: number,
  expect: 'file' | 'directory',
  mode?: number,
): Promise<fs.promises.FileHandle> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(hostPath, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (err) {
    throw toFsError(err, agentPath);
  }
  try {
    assertSafeStat(await handle.stat(), agentPath, expect);
    await assertOpenedAt(handle, hostPath, agentPath);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Refuses anything but the expected type, and files with more than one hard link.
 * @throws FsWrongTypeError / FsUnsafeFileError
 */
export function assertSafeStat(st: fs.Stats, agentPath: string, expect: 'file' | 'directory' | 'any'): void {
  if (st.isSymbolicLink()) throw new FsUnsafeFileError(agentPath, 'it is a symbolic link (it changed after it was judged)');
  if (!st.isFile() && !st.isDirectory()) throw new FsUnsafeFileError(agentPath, 'it is a FIFO, device or socket');
  if (expect === 'file' && !st.isFile()) throw new FsWrongTypeError(agentPath, 'a regular file');
  if (expect === 'directory' && !st.isDirectory()) throw new FsWrongTypeError(agentPath, 'a directory');
  if (st.isFile() && st.nlink > 1) throw new FsUnsafeFileError(agentPath, `it has ${st.nlink} hard links`);
}

/**
 * Checks that an open descriptor is the file at `hostPath` (the judged real path).
 * @throws FsUnsafeFileError when it is somewhere else (a parent was swapped for a symlink).
 */
export async function assertOpenedAt(handle: fs.promises.FileHandle, hostPath: string, agentPath: string): Promise<void> {
  let actual: string | undefined;
  try {
    actual = await fs.promises.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    actual = undefined;
  }
  if (actual === undefined) {
    // No /proc (macOS): the path must still be real and name the same inode.
    const [real, byPath, byFd] = await Promise.all([
      fs.promises.realpath(hostPath).catch(() => ''),
      fs.promises.lstat(hostPath).catch(() => undefined),
      handle.stat(),
    ]);
    if (real === hostPath && byPath !== undefined && byPath.ino === byFd.ino && byPath.dev === byFd.dev) return;
  } else if (actual === hostPath) {
    return;
  }
  throw new FsUnsafeFileError(agentPath, 'its real location changed after it was judged');
}

/**
 * Checks, for operations that work by path (delete, list), that `hostPath` is still its own real path.
 * @throws FsNotFoundError / FsUnsafeFileError
 */
export async function assertStillReal(hostPath: string, agentPath: string): Promise<void> {
  let real: string;
  try {
    real = await fs.promises.realpath(hostPath);
  } catch (err) {
    throw toFsError(err, agentPath);
  }
  if (real !== hostPath) throw new FsUnsafeFileError(agentPath, 'its real location changed after it was judged');
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
