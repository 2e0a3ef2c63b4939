/**
 * Atomic file replacement for `fs.write`: the content goes to a fresh temp file in the
 * same folder (`O_CREAT | O_EXCL | O_NOFOLLOW`, checked to really be in the judged
 * folder), is fsynced, gets its mode, and is renamed over the target; the folder is then
 * fsynced. Readers see the old file or the new one, never half of one. Parents are created
 * one level at a time, refusing any level that turns out to be a symlink.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsUnsafeFileError, FsWrongTypeError } from './fs-errors';
import { assertOpenedAt, assertSafeStat, toFsError } from './fs-safe';

/** Default mode of a newly created file. */
export const DEFAULT_FILE_MODE = 0o644;

/** What a write did. */
export interface WriteOutcome {
  readonly bytes: number;
  readonly created: boolean;
  readonly mode: number;
}

/**
 * Writes `content` to the real path `hostPath` atomically.
 * @param floor a real folder (the mount root) above which no parent is created.
 * @throws FsUnsafeFileError / FsWrongTypeError / FsNotFoundError, or an `fs` error.
 */
export async function atomicWrite(
  hostPath: string,
  agentPath: string,
  content: Buffer,
  options: { readonly mode?: number; readonly floor: string },
): Promise<WriteOutcome> {
  const dir = path.dirname(hostPath);
  await makeParents(dir, options.floor, agentPath);
  let existing: fs.Stats | undefined;
  try {
    existing = await fs.promises.lstat(hostPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toFsError(err, agentPath);
  }
  if (existing !== undefined) assertSafeStat(existing, agentPath, 'file');
  const mode = options.mode ?? (existing === undefined ? DEFAULT_FILE_MODE : existing.mode & 0o7777);

  const tmp = path.join(dir, `.${path.basename(hostPath)}.${randomBytes(6).toString('hex')}.tmp`);
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  } catch (err) {
    throw toFsError(err, agentPath);
  }
  let renamed = false;
  try {
    await assertOpenedAt(handle, tmp, agentPath);
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    await fs.promises.rename(tmp, hostPath);
    renamed = true;
    await syncDir(dir);
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await fs.promises.unlink(tmp).catch(() => undefined);
    }
  }
  return { bytes: content.length, created: existing === undefined, mode };
}

/** Creates `dir` and missing parents below `floor`, one level at a time, never through a symlink. */
async function makeParents(dir: string, floor: string, agentPath: string): Promise<void> {
  const rel = path.relative(floor, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new FsUnsafeFileError(agentPath, 'its folder lies outside its mount');
  let current = floor;
  for (const segment of rel === '' ? [] : rel.split(path.sep)) {
    current = path.join(current, segment);
    try {
      await fs.promises.mkdir(current, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toFsError(err, agentPath);
    }
    const st = await fs.promises.lstat(current);
    if (st.isSymbolicLink()) throw new FsUnsafeFileError(agentPath, 'a parent folder is a symbolic link (it changed after it was judged)');
    if (!st.isDirectory()) throw new FsWrongTypeError(agentPath, 'inside a folder (a parent is a file)');
  }
}

/** fsyncs a folder so a rename in it is durable; tolerates filesystems that refuse. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, fs.constants.O_RDONLY).catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}
