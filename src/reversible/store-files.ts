/**
 * Durable file primitives of the snapshot store: a file is written to a fresh temp name in
 * its folder, fsynced, renamed into place and the folder fsynced, so after a crash a store
 * file is either absent or complete. Temp files left by a crash end in `.tmp` and are
 * removed by `SnapshotStore.sweep`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { syncFolder } from '../providers/fs-group-sync';
import { SYNC_IO_BYTES, readAllFdSync } from '../providers/fs-write';

/** Suffix of temp files (never a record or a blob). */
export const TMP_SUFFIX = '.tmp';

/** Creates `dir` (and parents) readable by the owner only; no-op if it exists (one `mkdir(2)` then). */
export async function ensureDir(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes `data` to `file` atomically (mode 0600): the content is fsynced before the rename
 * (unless `syncFile` is false: a store with `durability: 'os'`); the rename itself is made
 * durable (folder fsync, shared with concurrent writers into the folder) unless `syncFolder`
 * is false. Open, write, close and rename are synchronous system calls for contents up to
 * `SYNC_IO_BYTES` (records, small blobs); the fsyncs go through libuv's thread pool.
 * @throws the `fs` error; the temp file is removed.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { readonly syncFolder?: boolean; readonly syncFile?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  let renamed = false;
  try {
    if (bytes.length <= SYNC_IO_BYTES) {
      for (let offset = 0; offset < bytes.length;) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } else {
      for (let offset = 0; offset < bytes.length;) offset += await writeAsync(fd, bytes, offset);
    }
    if (options.syncFile !== false) await fsyncFd(fd);
    const closing = fd;
    fd = undefined;
    fs.closeSync(closing);
    fs.renameSync(tmp, file);
    renamed = true;
    if (options.syncFolder !== false) await syncDir(dir);
  } finally {
    if (!renamed) {
      if (fd !== undefined) fs.closeSync(fd);
      try {
        fs.unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  }
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

function writeAsync(fd: number, bytes: Uint8Array, offset: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, bytes, offset, bytes.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
}

/** fsyncs a folder so a rename in it is durable, sharing the fsync with concurrent callers (fs-group-sync); tolerates filesystems that refuse. */
export async function syncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return;
  }
  try {
    await syncFolder(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Contents of `file`, or `undefined` if it does not exist (read synchronously when small).
 * @throws for anything but a regular file: a symlink is not followed, and a FIFO or device
 * is refused without blocking (its `open(2)` would block the event loop until a writer came).
 */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    const size = st.size;
    if (size > SYNC_IO_BYTES) return await new Promise<Buffer>((resolve, reject) => fs.readFile(fd, (err, data) => (err ? reject(err) : resolve(data))));
    const buf = Buffer.alloc(size);
    const filled = readAllFdSync(fd, buf);
    return filled === size ? buf : buf.subarray(0, filled);
  } finally {
    fs.closeSync(fd);
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

/**
 * The file's fdatasync and `syncFolder()` at once; settles when **both** have, then rejects
 * with the first failure, if any — so the caller never closes `fd` while one still runs.
 */
export async function syncFileAndFolder(fd: number, syncFolder: () => Promise<void>): Promise<void> {
  const results = await Promise.allSettled([new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))), syncFolder()]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
