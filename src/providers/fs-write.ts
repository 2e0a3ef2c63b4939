/**
 * Atomic file replacement for `fs.write` (and the reversible layer's restore): the parents
 * are walked — and created where missing — through verified descriptors (fs-handle.ts);
 * the content goes to a fresh temp file in the verified folder (`O_CREAT | O_EXCL |
 * O_NOFOLLOW`), is fsynced, gets its mode through its own descriptor, and is renamed over
 * the target relative to that same folder, which is then fsynced. Readers see the old file
 * or the new one, never half of one.
 *
 * The new file always belongs to the worker (it is a new file, whoever owned the old one)
 * and never carries setuid, setgid or sticky bits: a replaced file keeps only its
 * permission bits (`mode & 0o777`).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type FsTarget, confirmByPath, walkToParent } from './fs-handle-walk';
import { assertSafeStat, toFsError } from './fs-safe';
import { FsWrongTypeError } from './fs-errors';

/** Default mode of a newly created file. */
export const DEFAULT_FILE_MODE = 0o644;

/** The bits a written or restored file may carry: permissions only, never setuid, setgid or sticky. */
export const PERMISSION_BITS = 0o777;

/** What a write did. */
export interface WriteOutcome {
  readonly bytes: number;
  readonly created: boolean;
  readonly mode: number;
}

/**
 * Writes `content` to `target` atomically, creating missing folders below its mount root.
 * @param options.mode the file's mode (special bits are dropped); default: the replaced
 *   file's permission bits, or {@link DEFAULT_FILE_MODE} for a new file.
 * @throws FsUnsafeFileError / FsWrongTypeError / FsNotFoundError, or an `fs` error.
 */
export async function atomicWrite(target: FsTarget, content: Buffer, options: { readonly mode?: number } = {}): Promise<WriteOutcome> {
  const { agentPath } = target;
  const { dir, name } = await walkToParent(target, true);
  try {
    if (name === undefined) throw new FsWrongTypeError(agentPath, 'a regular file');
    let existing: fs.Stats | undefined;
    try {
      existing = await dir.lstat(name, agentPath);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'Fs.NotFound') throw err;
    }
    if (existing !== undefined) assertSafeStat(existing, agentPath, 'file');
    const mode = (options.mode ?? (existing === undefined ? DEFAULT_FILE_MODE : existing.mode)) & PERMISSION_BITS;

    const tmp = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    const handle = await fs.promises.open(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600).catch((err: unknown) => {
      throw toFsError(err, agentPath);
    });
    let renamed = false;
    try {
      await confirmByPath(handle, path.join(dir.hostPath, tmp), agentPath);
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
      await handle.close();
      await fs.promises.rename(dir.at(tmp), dir.at(name)).catch((err: unknown) => {
        throw toFsError(err, agentPath); // neither name is followed
      });
      renamed = true;
      await dir.sync();
    } finally {
      if (!renamed) {
        await handle.close().catch(() => undefined);
        await fs.promises.unlink(dir.at(tmp)).catch(() => undefined);
      }
    }
    return { bytes: content.length, created: existing === undefined, mode };
  } finally {
    await dir.close();
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
