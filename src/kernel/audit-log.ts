/**
 * The append-only, hash-chained JSONL audit log.
 *
 * `append` chains the record and writes its line with one synchronous `write(2)` on a file
 * descriptor kept open with `O_APPEND`. The event loop itself serialises appends, so `seq`,
 * `prev` and file order always agree, and no record is ever "queued but lost". Measured
 * (bench/kernel.ts): ~11 µs per record including chaining and sha256 (the bare `writeSync`
 * is ~2 µs), against ~110 µs for an awaited `fs.write` through libuv's thread pool, which an
 * earlier group-commit queue here paid on every sequential submit. The price: a stalled
 * disk stalls the event loop for that write.
 * If a write fails, the log is poisoned: every later append rejects (the kernel then refuses
 * to act — no silent actions). `close` fsyncs and closes.
 *
 * Sharing (audit-segments.ts): the log at `file` is a set of segments, one per writer. A
 * writer claims the base file when no live writer holds it (audit-claim.ts), else writes
 * `file.w-<host>-<pid>[-n]`; no lock is taken per append. A segment rotates by size or age
 * into numbered files that continue its chain. The segment's head (count + last hash,
 * audit-head.ts) makes truncation detectable. It is rewritten once per turn of the event
 * loop in which records were appended (a burst of concurrent submits costs one `pwrite`, not
 * one each), and at once whenever it is {@link HEAD_MAX_LAG} records behind, and on
 * rotation and `close`. The head may thus lag the records by at most that much, which is
 * what a crash between a line and its head rewrite always allowed: `audit verify` accepts a
 * head behind the log and reports the records after it; it never accepts one ahead of it.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { type Claim, tryClaim } from './audit-claim';
import { HeadWriter, headFile } from './audit-head';
import { checkHeadReached } from './audit-head-check';
import { lastRotatedIndex, rotatedName, writerSegmentName } from './audit-segments';
import { AuditLogCorruptError, AuditWriteError } from './errors';
import { type AuditEntry, type AuditRecord, GENESIS_HASH, canonicalLine, chainEntryBytes, computeRecordHash } from './audit-record';

/**
 * At most this many records are written after the last head rewrite before the head is
 * rewritten again, in the same `append`; otherwise the head follows at the end of the
 * event loop's turn (see {@link AuditLog}).
 */
export const HEAD_MAX_LAG = 64;

/** Settings of a log's segments (KernelOptions.audit). */
export interface AuditLogOptions {
  /** Rotate the segment before a record would take its active file past this many bytes (default: never). */
  readonly rotateBytes?: number;
  /** Rotate the segment when its active file was started longer ago than this, in ms (default: never). */
  readonly rotateAgeMs?: number;
  /** Folder for head files, e.g. one the agent cannot write (default: beside the segments). */
  readonly headDir?: string;
  /** Keep no head file (default false). Truncation at the end is then undetectable. */
  readonly noHead?: boolean;
}

/** Appends audit records to a JSONL segment, continuing the hash chain of existing files. */
export class AuditLog {
  private seq: number;
  private prev: string;
  private failure: AuditWriteError | undefined;
  private closed = false;
  private size: number;
  private startedAt = Date.now();
  private rotated: number;
  /** `seq` the head file last anchored. */
  private headSeq: number;
  private headTimer: NodeJS.Immediate | undefined;
  /** Where each line is encoded before its write (a longer line gets a buffer of its own). */
  private readonly scratch = Buffer.allocUnsafe(16 * 1024);

  private constructor(
    /** The active file of this writer's segment, or `undefined` for a log that chains records but keeps none. */
    private active: string | undefined,
    private fd: number | undefined,
    tail: { seq: number; hash: string },
    private readonly head: HeadWriter | undefined,
    private readonly claim: Claim | undefined,
    private readonly options: AuditLogOptions,
  ) {
    this.seq = tail.seq;
    this.prev = tail.hash;
    this.headSeq = tail.seq;
    this.size = fd === undefined ? 0 : fs.fstatSync(fd).size;
    this.rotated = active === undefined ? 0 : lastRotatedIndex(active);
  }

  /**
   * Opens the log at `file` for appending: claims the base file, or a segment of this
   * writer's own when another live writer holds it; reads the segment's last record to
   * continue its chain (from its last rotated file when the active one is empty).
   * @throws AuditLogCorruptError if the segment does not end with a complete, self-consistent record,
   *   or no longer reaches the record its head anchors (records cut from its end while no writer ran).
   * @throws Error from `fs` if a file cannot be opened.
   */
  static open(file: string, options: AuditLogOptions = {}): AuditLog {
    const { segment, claim } = claimSegment(file);
    let fd: number | undefined;
    let head: HeadWriter | undefined;
    try {
      // O_NONBLOCK: a FIFO in its place must not block the open; it is refused next.
      fd = fs.openSync(segment, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o600);
      assertLogFile(segment, fd);
      let tail = readTail(segment, fd);
      if (tail.seq === 0) {
        const last = lastRotatedIndex(segment);
        if (last > 0) tail = readTailOf(rotatedName(segment, last));
      }
      if (options.noHead !== true) {
        const headPath = headFile(segment, options.headDir);
        // A head the segment no longer reaches is evidence of a cut: never rewritten to what is left.
        checkHeadReached(headPath, segment, tail);
        head = HeadWriter.open(headPath);
        head.write({ log: path.basename(segment), count: tail.seq, hash: tail.hash });
      }
      return new AuditLog(segment, fd, tail, head, claim, options);
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      head?.close();
      claim.release();
      throw err;
    }
  }

  /** A log without a file: records are chained (so results carry a record id) but not stored. */
  static discarding(): AuditLog {
    return new AuditLog(undefined, undefined, { seq: 0, hash: GENESIS_HASH }, undefined, undefined, {});
  }

  /** The active file this writer appends to (the log's base file unless another writer held it). */
  get file(): string | undefined {
    return this.active;
  }

  /** Number of records in the chain so far (including those of a reopened file). */
  get length(): number {
    return this.seq;
  }

  /** True once `close` was called: appends are refused. */
  get closedForWrites(): boolean {
    return this.closed;
  }

  /** The write failure that poisoned this log, if any. */
  get broken(): AuditWriteError | undefined {
    return this.failure;
  }

  /**
   * Chains `entry` and appends it.
   * @returns the stored record, its line already written (resolves at once).
   * @throws AuditWriteError (rejects) if this or an earlier write failed, or after `close`.
   */
  append(entry: AuditEntry): Promise<AuditRecord> {
    try {
      return Promise.resolve(this.appendSync(entry));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Chains `entry` and writes its line with one `write(2)` before returning.
   * @throws AuditWriteError if this or an earlier write failed, after `close`, or for an entry the format cannot hold.
   */
  appendSync(entry: AuditEntry): AuditRecord {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new AuditWriteError(this.active ?? '<memory>', { cause: new Error('audit log is closed') });
    let chained;
    try {
      chained = chainEntryBytes(entry, this.seq + 1, this.prev, this.scratch);
    } catch (err) {
      throw new AuditWriteError(this.active ?? '<memory>', { cause: err });
    }
    const { record, bytes, length } = chained;
    if (this.fd !== undefined) {
      try {
        if (this.shouldRotate(length)) this.rotate();
        // One write(2) of the bytes the hash was computed over; a short write is finished.
        const written = fs.writeSync(this.fd, bytes, 0, length);
        if (written < length) writeAll(this.fd, bytes.subarray(written, length));
        this.size += length;
      } catch (err) {
        this.failure = new AuditWriteError(this.active ?? '<memory>', { cause: err });
        throw this.failure;
      }
    }
    this.seq = record.seq;
    this.prev = record.hash;
    if (this.head !== undefined) this.headLater();
    return record;
  }

  /**
   * Brings the head up to date: at once when it is {@link HEAD_MAX_LAG} records behind,
   * else once the current turn of the event loop is over (one `pwrite` for a burst of records).
   */
  private headLater(): void {
    if (this.seq - this.headSeq >= HEAD_MAX_LAG) {
      this.writeHead();
      return;
    }
    this.headTimer ??= setImmediate(() => {
      this.headTimer = undefined;
      try {
        this.writeHead();
      } catch (err) {
        this.failure ??= new AuditWriteError(this.active ?? '<memory>', { cause: err });
      }
    });
  }

  /** Rewrites the head with the last record written. @throws Error from `fs` (the log is then poisoned). */
  private writeHead(): void {
    if (this.head === undefined || this.headSeq === this.seq) return;
    try {
      this.head.write({ log: path.basename(this.active ?? ''), count: this.seq, hash: this.prev });
    } catch (err) {
      this.failure ??= new AuditWriteError(this.active ?? '<memory>', { cause: err });
      throw this.failure;
    }
    this.headSeq = this.seq;
  }

  /** Fsyncs and closes the files and releases the segment. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === undefined) return;
    const fd = this.fd;
    if (this.headTimer !== undefined) clearImmediate(this.headTimer);
    this.headTimer = undefined;
    await new Promise<void>((resolve) => fs.fsync(fd, () => fs.close(fd, () => resolve())));
    try {
      // The head goes after the fsynced records: it never anchors more than the file holds.
      if (this.failure === undefined) this.writeHead();
    } catch {
      // recorded as the log's failure
    }
    try {
      this.head?.close();
    } finally {
      this.claim?.release();
    }
  }

  private shouldRotate(bytes: number): boolean {
    if (this.size === 0) return false;
    const { rotateBytes, rotateAgeMs } = this.options;
    if (rotateBytes !== undefined && this.size + bytes > rotateBytes) return true;
    return rotateAgeMs !== undefined && Date.now() - this.startedAt >= rotateAgeMs;
  }

  /** Moves the active file to the next rotated name and starts a new one; the chain goes on. */
  private rotate(): void {
    const active = this.active!;
    const fd = this.fd!;
    this.writeHead();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    this.fd = undefined;
    this.rotated += 1;
    fs.renameSync(active, rotatedName(active, this.rotated));
    this.fd = fs.openSync(active, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    this.size = 0;
    this.startedAt = Date.now();
  }
}

/** Claims the base file, or the first free segment of this writer (host and pid, then a counter). */
function claimSegment(file: string): { segment: string; claim: Claim } {
  const base = tryClaim(file);
  if (base !== undefined) return { segment: file, claim: base };
  const writer = `${os.hostname()}-${process.pid}`;
  for (let n = 1; n < 1000; n++) {
    const segment = writerSegmentName(file, n === 1 ? writer : `${writer}-${n}`);
    const claim = tryClaim(segment);
    if (claim !== undefined) return { segment, claim };
  }
  throw new Error(`no free writer segment for ${file} (1000 writers of this process?)`);
}

/**
 * Refuses a FIFO or socket as the log: into a FIFO each record goes to whoever reads the pipe
 * (no verify sees it), and once 64 KiB are unread the next write(2) blocks the event loop —
 * every submit of the process — for good (red team 15). A character device stays the
 * operator's explicit choice (`/dev/null` keeps nothing; `/dev/full` fails every write).
 * @throws AuditLogCorruptError
 */
function assertLogFile(file: string, fd: number): void {
  const st = fs.fstatSync(fd);
  if (st.isFIFO() || st.isSocket())
    throw new AuditLogCorruptError(file, 'it is a FIFO or a socket (its records would be lost to a reader, or block every submit)');
}

function readTailOf(file: string): { seq: number; hash: string } {
  const fd = fs.openSync(file, fs.constants.O_RDONLY);
  try {
    return readTail(file, fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes all of `buf` at the end of the file (O_APPEND), looping on short writes. */
function writeAll(fd: number, buf: Buffer): void {
  let offset = 0;
  while (offset < buf.length) offset += fs.writeSync(fd, buf, offset, buf.length - offset);
}

/** Reads the last line of the log and checks it is a complete record whose hash matches. */
function readTail(file: string, fd: number): { seq: number; hash: string } {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return { seq: 0, hash: GENESIS_HASH };
  let chunk = Math.min(size, 64 * 1024);
  for (;;) {
    const buf = Buffer.alloc(chunk);
    fs.readSync(fd, buf, 0, chunk, size - chunk);
    if (buf[chunk - 1] !== 0x0a) throw new AuditLogCorruptError(file, 'the last line is incomplete (no trailing newline)');
    const start = buf.lastIndexOf(0x0a, chunk - 2);
    if (start === -1 && chunk < size) {
      chunk = Math.min(size, chunk * 4);
      continue;
    }
    const line = buf.subarray(start + 1, chunk - 1).toString('utf8');
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new AuditLogCorruptError(file, 'the last line is not JSON');
    }
    const { seq, hash } = record;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1 || typeof hash !== 'string') {
      throw new AuditLogCorruptError(file, 'the last line has no valid seq/hash');
    }
    let actual = '';
    try {
      actual = computeRecordHash(record);
    } catch {
      // an unhashable record is treated like a mismatch
    }
    if (actual !== hash) throw new AuditLogCorruptError(file, `the last record (seq ${seq}) does not match its hash`);
    if (canonicalLine(record) !== line) throw new AuditLogCorruptError(file, `the last record (seq ${seq}) is not in canonical form`);
    return { seq, hash };
  }
}
