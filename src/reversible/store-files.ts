/**
 * Durable file primitives of the snapshot store: a file is written to a fresh temp name in
 * its folder, fsynced, renamed into place and the folder fsynced, so after a crash a store
 * file is either absent or complete. Temp files left by a crash end in `.tmp` and are
 * removed by `SnapshotStore.sweep`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncDir } from '../providers/fs-write';

/** Suffix of temp files (never a record or a blob). */
export const TMP_SUFFIX = '.tmp';

/** Creates `dir` (and parents) readable by the owner only; no-op if it exists. */
export async function ensureDir(dir: string): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes `data` to `file` atomically (mode 0600): the content is fsynced before the rename;
 * the rename itself is made durable (folder fsync) unless `syncFolder` is false.
 * @throws the `fs` error; the temp file is removed.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { readonly syncFolder?: boolean } = {}): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
  const handle = await fs.promises.open(tmp, 'wx', 0o600);
  let renamed = false;
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await fs.promises.rename(tmp, file);
    renamed = true;
    if (options.syncFolder !== false) await syncDir(dir);
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await fs.promises.unlink(tmp).catch(() => undefined);
    }
  }
}

/** Contents of `file`, or `undefined` if it does not exist. */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.promises.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Names in `dir`, or `[]` if it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Removes `file`; true if it was there. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await fs.promises.unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
