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
import * as fs from 'node:fs';
import { hasErrorCode } from '../errors';
import type { HostLocation } from '../kernel/types';
import { Dir } from '../providers/fs-handle';
import { openFile, targetAt, walkToParent } from '../providers/fs-handle-walk';
import { assertSafeStat, toFsError } from '../providers/fs-safe';
import { PERMISSION_BITS, atomicWrite } from '../providers/fs-write';
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
 * The target's state and, with `maxBytes`, its bytes (for a snapshot).
 * @throws SnapshotTooLargeError over `maxBytes`; FsWrongTypeError / FsUnsafeFileError for non-files.
 */
export async function readTarget(loc: HostLocation, agentPath: string, maxBytes?: number): Promise<{ state: TargetState; bytes?: Buffer }> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await openFile(targetAt(loc, agentPath));
  } catch (err) {
    if (hasErrorCode(err, 'Fs.NotFound')) return { state: ABSENT };
    throw err;
  }
  try {
    const st = await handle.stat();
    const mode = st.mode & PERMISSION_BITS;
    if (maxBytes === undefined) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of handle.createReadStream({ autoClose: false })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return { state: { kind: 'file', sha256: hash.digest('hex'), size, mode } };
    }
    if (st.size > maxBytes) throw new SnapshotTooLargeError(agentPath, st.size, maxBytes);
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw new SnapshotTooLargeError(agentPath, bytes.length, maxBytes);
    return { state: fileState(bytes, mode), bytes };
  } finally {
    await handle.close();
  }
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
export async function writeTarget(loc: HostLocation, agentPath: string, bytes: Buffer, mode: number): Promise<void> {
  await atomicWrite(targetAt(loc, agentPath), bytes, { mode: mode & PERMISSION_BITS });
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
