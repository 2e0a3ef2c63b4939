/**
 * Host I/O of the filesystem snapshot strategies, on the real path the provider's `locate`
 * gives for the canonical target the policy judged. It uses the provider's own use-time
 * checks (fs-safe.ts): no symlink is followed, only regular files with one link are read or
 * removed, and a path whose real location moved since it was judged is refused. Errors
 * name the agent path only.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../errors';
import type { HostLocation } from '../kernel/types';
import { assertSafeStat, assertStillReal, openChecked, toFsError } from '../providers/fs-safe';
import { atomicWrite } from '../providers/fs-write';
import { SnapshotTooLargeError } from './errors';
import type { TargetState } from './record';

/** State of a missing file. */
export const ABSENT: TargetState = Object.freeze({ kind: 'absent' });

/** State of a regular file with these bytes and mode. */
export function fileState(bytes: Uint8Array, mode: number): TargetState {
  return { kind: 'file', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, mode: mode & 0o7777 };
}

/**
 * The target's state and, with `maxBytes`, its bytes (for a snapshot).
 * @throws SnapshotTooLargeError over `maxBytes`; FsWrongTypeError / FsUnsafeFileError for non-files.
 */
export async function readTarget(loc: HostLocation, agentPath: string, maxBytes?: number): Promise<{ state: TargetState; bytes?: Buffer }> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await openChecked(loc.hostPath, agentPath, fs.constants.O_RDONLY, 'file');
  } catch (err) {
    if (hasErrorCode(err, 'Fs.NotFound')) return { state: ABSENT };
    throw err;
  }
  try {
    const st = await handle.stat();
    const mode = st.mode & 0o7777;
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

/** How many folders above the target (below the mount root) do not exist yet: a write will create them. */
export async function missingFolders(loc: HostLocation): Promise<number> {
  let count = 0;
  for (let dir = path.dirname(loc.hostPath); isBelow(loc.floor, dir); dir = path.dirname(dir)) {
    const exists = await fs.promises.lstat(dir).then(() => true, () => false);
    if (exists) break;
    count += 1;
  }
  return count;
}

/** Writes `bytes` with exactly `mode` over the target, atomically, creating missing folders. */
export async function writeTarget(loc: HostLocation, agentPath: string, bytes: Buffer, mode: number): Promise<void> {
  await atomicWrite(loc.hostPath, agentPath, bytes, { mode, floor: loc.floor });
}

/** Removes the target file (a regular file with one link, still at its judged real path). */
export async function removeTarget(loc: HostLocation, agentPath: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(loc.hostPath);
  } catch (err) {
    throw toFsError(err, agentPath);
  }
  assertSafeStat(st, agentPath, 'file');
  await assertStillReal(loc.hostPath, agentPath);
  await fs.promises.unlink(loc.hostPath).catch((err: unknown) => {
    throw toFsError(err, agentPath);
  });
}

/**
 * Removes up to `count` folders above the target, innermost first, each only if it is now
 * empty (rmdir refuses others), is a real folder and lies below the mount root. Stops at
 * the first folder that stays. Returns how many were removed.
 */
export async function removeEmptyFolders(loc: HostLocation, count: number): Promise<number> {
  let removed = 0;
  let dir = path.dirname(loc.hostPath);
  for (let i = 0; i < count && isBelow(loc.floor, dir); i++, dir = path.dirname(dir)) {
    const st = await fs.promises.lstat(dir).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) break;
    if ((await fs.promises.realpath(dir).catch(() => '')) !== dir) break;
    const gone = await fs.promises.rmdir(dir).then(() => true, () => false);
    if (!gone) break;
    removed += 1;
  }
  return removed;
}

/** True if `p` lies strictly below folder `floor`. */
function isBelow(floor: string, p: string): boolean {
  const rel = path.relative(floor, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
