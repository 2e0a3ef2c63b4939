/**
 * The head of a log segment: how many records its chain holds and the hash of the last
 * one, kept in a file of its own (`<segment>.head`, or in a separate folder the agent
 * cannot write — `AuditLogOptions.headDir`). The chain alone proves order; the head proves
 * completeness: records deleted from the end (or the whole segment) no longer reach the
 * anchored count and hash, and `audit verify` says so.
 *
 * The writer rewrites the head in place after every append (one `pwrite` of a fixed-size
 * buffer at offset 0, no lock, no rename), after the record's line: a crash in between
 * leaves the head one record behind, which verify accepts (records after the anchor are
 * reported, never missing ones).
 *
 * Format: one JSON object, padded with spaces to {@link HEAD_SIZE} bytes:
 * `{"v":1,"log":"kernel.log","count":12,"hash":"…"}`.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Bytes of a head file (padded), so every rewrite covers the previous content exactly. */
export const HEAD_SIZE = 512;

/** A parsed head: the segment it anchors, its record count and last hash. */
export interface AuditHead {
  /** File name of the segment's active file, e.g. `kernel.log`. */
  readonly log: string;
  readonly count: number;
  readonly hash: string;
}

/** The head file of `segment` (a full path), in `headDir` when given, else beside the segment. */
export function headFile(segment: string, headDir?: string): string {
  return path.join(headDir ?? path.dirname(segment), `${path.basename(segment)}.head`);
}

/**
 * Reads and checks a head file.
 * @throws Error when it cannot be read or is not a head.
 */
export function readHead(file: string): AuditHead {
  const text = fs.readFileSync(file, 'utf8');
  return parseHead(text, file);
}

/**
 * Parses head text (a head file, or the `head` object of a run export's last line).
 * @throws Error naming `where` when it is not a head.
 */
export function parseHead(text: string, where: string): AuditHead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not a head file (not JSON)`);
  }
  const h = parsed as Partial<AuditHead> | null;
  if (
    h === null ||
    typeof h !== 'object' ||
    typeof h.log !== 'string' ||
    typeof h.hash !== 'string' ||
    typeof h.count !== 'number' ||
    !Number.isSafeInteger(h.count) ||
    h.count < 0
  ) {
    throw new Error(`${where} is not a head file (expected {"log", "count", "hash"})`);
  }
  return { log: h.log, count: h.count, hash: h.hash };
}

/** Keeps a segment's head file up to date; one open descriptor, rewritten in place. */
export class HeadWriter {
  /** Reused for every write: the deny path pays no allocation for the head. */
  private readonly buf = Buffer.alloc(HEAD_SIZE);
  /** The serialised start of the head for the log named `prefixFor` (a name changes only on rotation). */
  private prefix = '';
  private prefixFor: string | undefined;

  private constructor(
    readonly file: string,
    private fd: number | undefined,
  ) {}

  /** Opens (creating, mode 0600) the head file. @throws Error from `fs`, or for a FIFO or socket. */
  static open(file: string): HeadWriter {
    // O_NONBLOCK: a FIFO in the head's place fails the open (ENXIO) instead of blocking it, or is refused.
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o600);
    const st = fs.fstatSync(fd);
    if (st.isFIFO() || st.isSocket()) {
      fs.closeSync(fd);
      throw new Error(`audit head ${file} is a FIFO or a socket`);
    }
    return new HeadWriter(file, fd);
  }

  /** Rewrites the head. @throws Error from `fs`. */
  write(head: AuditHead): void {
    if (this.fd === undefined) return;
    const buf = this.buf;
    if (this.prefixFor !== head.log) {
      this.prefixFor = head.log;
      this.prefix = `{"v":1,"log":${JSON.stringify(head.log)},"count":`;
    }
    const text = `${this.prefix}${head.count},"hash":${JSON.stringify(head.hash)}}`;
    buf.fill(0x20);
    if (buf.write(text, 0, 'utf8') > HEAD_SIZE - 1) throw new RangeError(`audit head of ${head.log} does not fit in ${HEAD_SIZE} bytes`);
    buf[HEAD_SIZE - 1] = 0x0a;
    let offset = 0;
    while (offset < buf.length) offset += fs.writeSync(this.fd, buf, offset, buf.length - offset, offset);
  }

  /** Fsyncs and closes. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
