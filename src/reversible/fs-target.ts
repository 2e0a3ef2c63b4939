/**
 * Host I/O of the filesystem snapshot strategies, on the real path the provider's `locate`
 * gives for the canonical target the policy judged. It goes through the provider's own
 * descriptor walker (fs-handle.ts): every folder from the mount root down is opened without
 * following links and the target is read, written or removed relative to its verified
 * parent, so a folder swapped for a symlink is refused, never followed. Only regular files
 * with one link are read or removed; restored files never carry setuid, setgid or sticky
 * bits. Errors name the agent path only.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { hasErrorCode } from '../errors';
import type { HostLocation } from '../kernel/types';
import { Dir } from '../providers/fs-handle';
import { type FileFacts, openFileFd, targetAt, walkToParent } from '../providers/fs-handle-walk';
import { assertSafeStat, toFsError } from '../providers/fs-safe';
import { Durability, PERMISSION_BITS, SYNC_IO_BYTES, atomicWrite, readAllFdSync } from '../providers/fs-write';
import { FsWrongTypeError } from '../providers/fs-errors';
import { SnapshotTooLargeError } from './errors';
import type { TargetState } from './record';

/** State of a missing file. */
export const ABSENT: TargetState = Object.freeze({ kind: 'absent' });

/**
 * State of a regular file with these bytes and mode. Only the permission bits are part of
 * it: the layer never writes or restores setuid, setgid or sticky bits, so they are not
 * state it could put back.
 */
export function fileState(bytes: Uint8Array, mode: number): TargetState {
  return { kind: 'file', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, mode: mode & PERMISSION_BITS };
}

/**
 * The target's state and, with `maxBytes`, its bytes (for a snapshot). With `readLimit` (a
 * probe), a file of more bytes than that — by its size, or growing past it while read — is
 * not read on: its state is {@link unreadState}.
 * @throws SnapshotTooLargeError over `maxBytes`; FsWrongTypeError / FsUnsafeFileError for non-files.
 */
export async function readTarget(loc: HostLocation, agentPath: string, maxBytes?: number, readLimit?: number): Promise<{ state: TargetState; bytes?: Buffer }> {
  let opened: { fd: number; stat: FileFacts };
  try {
    // The provider's synchronous open: the same verified walk and descriptor checks as openFile.
    opened = openFileFd(targetAt(loc, agentPath));
  } catch (err) {
    if (hasErrorCode(err, 'Fs.NotFound')) return { state: ABSENT };
    throw err;
  }
  const { fd, stat: st } = opened;
  try {
    const mode = st.mode & PERMISSION_BITS;
    if (maxBytes !== undefined && st.size > maxBytes) throw new SnapshotTooLargeError(agentPath, st.size, maxBytes);
    if (readLimit !== undefined && st.size > readLimit) return { state: unreadState(st.size, mode) };
    if (st.size <= SYNC_IO_BYTES) {
      // Small (the usual case): read(2) called synchronously, up to one byte past the size seen, so growth is noticed.
      const buf = Buffer.alloc(st.size + 1);
      const bytes = buf.subarray(0, readAllFdSync(fd, buf));
      if (maxBytes !== undefined && bytes.length > maxBytes) throw new SnapshotTooLargeError(agentPath, bytes.length, maxBytes);
      if (bytes.length <= st.size) return maxBytes === undefined ? { state: fileState(bytes, mode) } : { state: fileState(bytes, mode), bytes };
    }
    return await readLarge(fd, agentPath, mode, maxBytes, readLimit);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The state of a file larger than a probe reads (`readLimit`): its size and mode, without a
 * digest — equal to no state a snapshot records, so it is never taken for one.
 */
function unreadState(size: number, mode: number): TargetState {
  return { kind: 'file', size, mode, unread: true };
}

/** {@link readTarget} of a file over SYNC_IO_BYTES, through the thread pool (streamed when only its state is wanted). */
async function readLarge(
  fd: number,
  agentPath: string,
  mode: number,
  maxBytes: number | undefined,
  readLimit?: number,
): Promise<{ state: TargetState; bytes?: Buffer }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  const chunk = Buffer.alloc(1024 * 1024);
  for (;;) {
    const n = await new Promise<number>((resolve, reject) => fs.read(fd, chunk, 0, chunk.length, size, (err, got) => (err ? reject(err) : resolve(got))));
    if (n === 0) break;
    const piece = chunk.subarray(0, n);
    hash.update(piece);
    size += n;
    if (readLimit !== undefined && size > readLimit) return { state: unreadState(size, mode) };
    if (maxBytes !== undefined) {
      if (size > maxBytes) throw new SnapshotTooLargeError(agentPath, size, maxBytes);
      chunks.push(Buffer.from(piece));
    }
  }
  const state: TargetState = { kind: 'file', sha256: hash.digest('hex'), size, mode };
  return maxBytes === undefined ? { state } : { state, bytes: Buffer.concat(chunks, size) };
}

/**
 * How many folders above the target (below the mount root) do not exist yet: a write will
 * create them. Walks down through verified descriptors; a symlink on the way is refused.
 */
export async function missingFolders(loc: HostLocation, agentPath: string): Promise<number> {
  const { root, parts } = targetAt(loc, agentPath);
  const folders = Math.max(0, parts.length - 1);
  let dir = await Dir.root(root, agentPath);
  try {
    for (let i = 0; i < folders; i++) {
      let next: Dir;
      try {
        next = await dir.child(parts[i] as string, agentPath);
      } catch (err) {
        if (hasErrorCode(err, 'Fs.NotFound')) return folders - i;
        throw err;
      }
      await dir.close();
      dir = next;
    }
    return 0;
  } finally {
    await dir.close();
  }
}

/** Writes `bytes` with `mode` (its permission bits only) over the target, atomically, creating missing folders. */
export async function writeTarget(loc: HostLocation, agentPath: string, bytes: Buffer, mode: number, durability: Durability = Durability.Full): Promise<void> {
  await atomicWrite(targetAt(loc, agentPath), bytes, { mode: mode & PERMISSION_BITS, durability });
}

/** Removes the target file (a regular file with one link), by its name in its verified folder. */
export async function removeTarget(loc: HostLocation, agentPath: string): Promise<void> {
  const { dir, name } = await walkToParent(targetAt(loc, agentPath));
  try {
    if (name === undefined) throw new FsWrongTypeError(agentPath, 'a regular file');
    assertSafeStat(await dir.lstat(name, agentPath), agentPath, 'file');
    await fs.promises.unlink(dir.at(name)).catch((err: unknown) => {
      throw toFsError(err, agentPath); // never follows: a name swapped for a link loses the link only
    });
  } finally {
    await dir.close();
  }
}

/**
 * Removes up to `count` folders above the target, innermost first, each only if it is now
 * empty (rmdir refuses others), by its name in its verified parent, and never the mount
 * root. Stops at the first folder that stays. Returns how many were removed.
 */
export async function removeEmptyFolders(loc: HostLocation, agentPath: string, count: number): Promise<number> {
  const { root, parts } = targetAt(loc, agentPath);
  const folders = Math.max(0, parts.length - 1);
  const chain: Dir[] = [];
  let removed = 0;
  try {
    chain.push(await Dir.root(root, agentPath));
    // Open every folder from the root down to the one above the innermost to remove (kept open until done).
    for (let i = 0; i < folders - 1; i++) chain.push(await (chain[i] as Dir).child(parts[i] as string, agentPath));
    for (let i = folders - 1; i >= 0 && removed < count; i--) {
      const gone = await fs.promises.rmdir((chain[i] as Dir).at(parts[i] as string)).then(
        () => true,
        () => false,
      );
      if (!gone) break;
      removed += 1;
    }
  } catch {
    // A folder on the way is missing or was swapped: leave the rest as it is.
  } finally {
    for (const dir of chain) await dir.close();
  }
  return removed;
}
