/**
 * Writing files for `fs.write` (and the reversible layer's restore). `atomicWrite`: the parents
 * are walked — and created where missing — through verified descriptors (fs-handle.ts);
 * the content goes to a fresh temp file in the verified folder (`O_CREAT | O_EXCL |
 * O_NOFOLLOW`), is fsynced, gets its mode through its own descriptor, and is renamed over
 * the target relative to that same folder, which is then fsynced. Readers see the old file
 * or the new one, never half of one.
 *
 * The new file always belongs to the worker (it is a new file, whoever owned the old one)
 * and never carries setuid, setgid or sticky bits: a replaced file keeps only its
 * permission bits (`mode & 0o777`).
 *
 * `writeInPlaceOrReplace` (`fs.write` with `durability: 'os'`): an existing file that is
 * already what a replacement would make — a regular file with one link, owned by the worker,
 * no special bits — is overwritten in place instead (not atomic; see there).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Dir, FD_RELATIVE } from './fs-handle';
import { type FsTarget, confirmFdByPath, walkToParentSync } from './fs-handle-walk';
import { syncFolder } from './fs-group-sync';
import { assertSafeStat, toFsError } from './fs-safe';
import { ProviderAbortedError } from './errors';
import { FsExistsError, FsWrongTypeError } from './fs-errors';
import { assertReplaceable, fileIdentity } from './file-identity';

/**
 * 48 random bits in 12 hex digits for a temp file's name: the first 12 digits of a version-4
 * UUID (its version digit comes later). `randomUUID` draws from a pooled buffer of the
 * system's secure random bytes; `randomBytes(6)` asked the system each time (4 µs against
 * 0.7 µs here). The name is never trusted anyway: it is created with `O_EXCL | O_NOFOLLOW`.
 */
function tempTag(): string {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13);
}

/** Default mode of a newly created file. */
export const DEFAULT_FILE_MODE = 0o644;

/** The bits a written or restored file may carry: permissions only, never setuid, setgid or sticky. */
export const PERMISSION_BITS = 0o777;

/**
 * How far a write is flushed before it returns: `full` fsyncs the file and its folder (a
 * power cut keeps it); `os` hands it to the operating system only (a process crash keeps it).
 */
export const Durability = { Full: 'full', Os: 'os' } as const;
/** One of {@link Durability}. */
export type Durability = (typeof Durability)[keyof typeof Durability];

/**
 * Up to this many bytes, file contents are read and written with synchronous system calls:
 * for a few KiB the `read(2)`/`write(2)` into the page cache takes a few microseconds, less
 * than one trip through libuv's thread pool (and the event loop is not held for long).
 * Larger contents go through the pool so a big file never stalls other work.
 */
export const SYNC_IO_BYTES = 64 * 1024;

/** Reads into `buf` from offset 0 until it is full or the file ends; returns the bytes read. */
export async function readAllFd(fd: number, buf: Buffer): Promise<number> {
  const small = buf.length <= SYNC_IO_BYTES;
  let filled = 0;
  while (filled < buf.length) {
    const n = small ? fs.readSync(fd, buf, filled, buf.length - filled, filled) : await readAsync(fd, buf, filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/** {@link readAllFd} with `read(2)` called synchronously: for buffers up to {@link SYNC_IO_BYTES}. */
export function readAllFdSync(fd: number, buf: Buffer): number {
  let filled = 0;
  while (filled < buf.length) {
    const n = fs.readSync(fd, buf, filled, buf.length - filled, filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

function readAsync(fd: number, buf: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, offset, buf.length - offset, offset, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Writes all of `buf` at offset 0 of `fd`. */
async function writeAllFd(fd: number, buf: Buffer): Promise<void> {
  const small = buf.length <= SYNC_IO_BYTES;
  let offset = 0;
  while (offset < buf.length) {
    offset += small
      ? fs.writeSync(fd, buf, offset, buf.length - offset, offset)
      : await new Promise<number>((resolve, reject) => fs.write(fd, buf, offset, buf.length - offset, offset, (err, n) => (err ? reject(err) : resolve(n))));
  }
}

/**
 * Overwrites the existing file `name` in the verified folder `dir` without replacing it.
 * `seen` is its `lstat` (already a regular file with one link: `assertSafeStat`); only if
 * it is also owned by the worker's user and group and has no setuid/setgid/sticky bit (so the file
 * keeps the two promises of a replaced one: permission bits only, the worker's) is it
 * opened, with `O_WRONLY | O_NOFOLLOW | O_NONBLOCK` and never `O_TRUNC` (a symlink swapped
 * in is not followed, a FIFO does not block, nothing is cut before the checks), and checked
 * again on the descriptor — the same inode as `seen`, a regular file with exactly one link
 * (never written through a hard link: a second name could be a file outside the
 * workspace), the same owner, no special bit — and only then `fchmod` (when the mode
 * changes), written from offset 0 and cut to the new length with `ftruncate` (after the
 * write: never empty in between).
 * Only on Linux (names resolved through the folder's descriptor, {@link FD_RELATIVE}) and
 * for contents up to {@link SYNC_IO_BYTES}: every step is a synchronous system call, so two
 * writes of this process to one file never interleave (each is whole, the last one wins,
 * as with renames); larger contents are replaced atomically.
 * Returns `undefined`, having written nothing, when it cannot be opened or a check fails:
 * the caller then replaces the file atomically, which makes its own checks and errors.
 * @throws an `fs` error from the write itself (the file may then be torn).
 */
function writeInPlaceSync(dir: Dir, name: string, seen: fs.Stats, content: Buffer, mode: number | undefined, agentPath: string): WriteOutcome | undefined {
  const { O_WRONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  const uid = process.geteuid?.();
  const gid = process.getegid?.();
  if (uid === undefined || gid === undefined || !FD_RELATIVE || content.length > SYNC_IO_BYTES) return undefined;
  // The worker's group too: a replacement gets it (or a setgid folder's; such files are replaced).
  const fits = (st: fs.Stats): boolean => st.isFile() && st.nlink === 1 && (st.mode & 0o7000) === 0 && st.uid === uid && st.gid === gid;
  if (!fits(seen)) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(dir.at(name), O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return undefined; // gone, swapped for a symlink, read-only…: the atomic path decides
  }
  try {
    const st = fs.fstatSync(fd);
    if (!fits(st) || st.ino !== seen.ino || st.dev !== seen.dev) return undefined;
    const want = (mode ?? st.mode) & PERMISSION_BITS;
    try {
      if (want !== (st.mode & PERMISSION_BITS)) fs.fchmodSync(fd, want);
      for (let offset = 0; offset < content.length;) offset += fs.writeSync(fd, content, offset, content.length - offset, offset);
      fs.ftruncateSync(fd, content.length);
    } catch (err) {
      throw toFsError(err, agentPath);
    }
    return { bytes: content.length, created: false, mode: want, file: fileIdentity(fs.fstatSync(fd, { bigint: true })) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The verified parent of `target`, creating missing folders — only once `gate` settled (then
 * `settled` is called): a walk that needs no folder created goes first without waiting.
 */
async function walkAfter(target: FsTarget, gate: Promise<void> | undefined, settled: () => void): Promise<{ dir: Dir; name: string | undefined }> {
  if (gate === undefined) return walkToParentSync(target, true);
  try {
    return walkToParentSync(target, false);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'Fs.NotFound') throw err;
  }
  await gate;
  settled();
  return walkToParentSync(target, true);
}

/** What a write did. */
export interface WriteOutcome {
  readonly bytes: number;
  readonly created: boolean;
  readonly mode: number;
  /** The identity of the file now at the target (file-identity.ts), read from the descriptor it was written through. */
  readonly file: string;
}

/** Options of {@link atomicWrite} and {@link writeInPlaceOrReplace}. */
export interface WriteOptions {
  /** The file's mode (special bits are dropped); default: the replaced file's permission bits, or {@link DEFAULT_FILE_MODE} for a new file. */
  readonly mode?: number;
  readonly durability?: Durability;
  /**
   * Never replace a file: the temp file is hard-linked to the name (`link(2)` fails on an
   * existing name, atomically) instead of renamed over it.
   */
  readonly createOnly?: boolean;
  /**
   * Replace an existing file only if it is this one (its identity, file-identity.ts: checked
   * right before the rename); a missing file is created. Such a write is never made in place.
   */
  readonly replaceOnly?: string;
  /**
   * Settles when a write this one must follow is durable (a reversible record's `pending`
   * state): awaited right before the first change anyone else can see — a folder created, the
   * in-place write, the rename or link — while the temp file is written and fsynced
   * meanwhile. If it rejects, nothing is changed (the temp file is removed) and it rejects
   * this write.
   */
  readonly beforeEffect?: Promise<void>;
  /**
   * The submit's signal (the kernel's deadline or the caller's abort). Checked in the same
   * synchronous step as the effect (the in-place write, the rename or link): once the submit
   * was answered as aborted or timed out, the write changes nothing — the temp file is
   * removed — instead of landing after its answer (red team, 2026-12-02).
   */
  readonly signal?: AbortSignal;
}

/** Throws when `signal` has fired: the write's submit has been (or is being) answered without it. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ProviderAbortedError('fs.write', { cause: signal.reason });
}

/**
 * Writes `content` to `target` atomically, creating missing folders below its mount root.
 * @throws FsUnsafeFileError / FsWrongTypeError / FsNotFoundError / FsExistsError / FsReplacedError, or an `fs` error.
 */
export async function atomicWrite(target: FsTarget, content: Buffer, options: WriteOptions = {}): Promise<WriteOutcome> {
  return writeFileAt(target, content, options, false);
}

/**
 * `fs.write` with `durability: 'os'`: overwrites an existing file **in place** when that is
 * safe (see {@link writeInPlaceSync}), like py-agent-kernel — not atomic: a
 * reader at the same moment, or a crash or full disk during the write, can see a torn file
 * (part new, part old) — and it keeps the file's ACL entries and extended attributes, which a
 * replacement drops (Node cannot read them on a descriptor; docs/threat-model.md). Otherwise (a new file, `createOnly`, `replaceOnly`, durability other
 * than `'os'`, any check failing) exactly {@link atomicWrite}. Why: on ext4 a rename over an existing file starts writeback of the
 * new one (`auto_da_alloc`) and a file create costs more than the whole in-place write
 * (docs/performance.md).
 * @throws as {@link atomicWrite}.
 */
export async function writeInPlaceOrReplace(target: FsTarget, content: Buffer, options: WriteOptions = {}): Promise<WriteOutcome> {
  const inPlace = options.createOnly !== true && options.replaceOnly === undefined && options.durability === Durability.Os;
  return writeFileAt(target, content, options, inPlace);
}

async function writeFileAt(target: FsTarget, content: Buffer, options: WriteOptions, inPlace: boolean): Promise<WriteOutcome> {
  const full = (options.durability ?? Durability.Full) === Durability.Full;
  const { agentPath } = target;
  let gate = options.beforeEffect;
  const { dir, name } = await walkAfter(target, gate, () => (gate = undefined));
  try {
    if (name === undefined) throw new FsWrongTypeError(agentPath, 'a regular file');
    const existing = dir.lstatIfExists(name, agentPath);
    if (existing !== undefined && options.createOnly === true) throw new FsExistsError(agentPath);
    if (existing !== undefined) assertSafeStat(existing, agentPath, 'file');
    if (inPlace && existing !== undefined) {
      if (gate !== undefined) await gate;
      gate = undefined;
      stopIfAborted(options.signal);
      const done = writeInPlaceSync(dir, name, existing, content, options.mode, agentPath);
      if (done !== undefined) return done;
    }
    const mode = (options.mode ?? (existing === undefined ? DEFAULT_FILE_MODE : existing.mode)) & PERMISSION_BITS;

    const tmp = `.${name}.${tempTag()}.tmp`;
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    // Open, write (when small), chmod, close and rename are synchronous system calls; the
    // fsyncs go through the pool, the folder's shared with concurrent writers (fs-group-sync).
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir.at(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    } catch (err) {
      throw toFsError(err, agentPath);
    }
    let renamed = false;
    let file: string;
    try {
      if (!FD_RELATIVE) confirmFdByPath(fd, path.join(dir.hostPath, tmp), agentPath); // no path built where names go through the folder's descriptor
      await writeAllFd(fd, content);
      fs.fchmodSync(fd, mode);
      if (full) await new Promise<void>((resolve, reject) => fs.fsync(fd as number, (err) => (err ? reject(err) : resolve())));
      if (gate !== undefined) await gate; // the effect (rename or link) comes next
      // The descriptor stays open until the file is in place: its identity is read from it afterwards.
      if (options.replaceOnly !== undefined && options.createOnly !== true) assertReplaceable(dir.at(name), options.replaceOnly, agentPath);
      stopIfAborted(options.signal); // no await between this check and the rename or link
      try {
        if (options.createOnly === true)
          fs.linkSync(dir.at(tmp), dir.at(name)); // EEXIST if a file appeared meanwhile
        else fs.renameSync(dir.at(tmp), dir.at(name)); // neither name is followed
      } catch (err) {
        if (options.createOnly === true && (err as { code?: unknown }).code === 'EEXIST') throw new FsExistsError(agentPath);
        throw toFsError(err, agentPath);
      }
      if (options.createOnly === true) fs.unlinkSync(dir.at(tmp)); // the new name holds the file now
      renamed = true;
      file = fileIdentity(fs.fstatSync(fd, { bigint: true })); // after link/rename: nothing of ours changes it later
      const closing = fd;
      fd = undefined;
      fs.closeSync(closing);
      if (full) await dir.sync(syncFolder);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
      if (!renamed) {
        try {
          fs.unlinkSync(dir.at(tmp));
        } catch {
          // already gone
        }
      }
    }
    return { bytes: content.length, created: existing === undefined, mode, file };
  } finally {
    dir.closeSync();
  }
}
