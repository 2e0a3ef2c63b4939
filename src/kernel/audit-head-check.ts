/**
 * Before a writer continues a segment, its head must still be reached by the segment's
 * chain. The head exists to show records removed from the end (or a whole segment deleted);
 * a writer that opened the cut log and rewrote the head to what was left would erase that
 * evidence — also in a `headDir` the agent cannot write (red team 15). So a head that
 * anchors more records than the segment holds, or a record the segment no longer has, is a
 * log that cannot be continued: the open fails (`Kernel.AuditCorrupt`) and the head stays.
 *
 * A head behind the segment is normal (a crash before its rewrite: at most `HEAD_MAX_LAG` records):
 * the record right after the anchor must name the anchored hash as its `prev`, which the
 * segment's files are read backwards for, newest first, as far as the anchor only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseHead } from './audit-head';
import { listSegments } from './audit-segments';
import { AuditLogCorruptError } from './errors';

/** Read backwards this many bytes at a time. */
const CHUNK = 64 * 1024;

/**
 * Checks that the segment whose active file is `segment`, ending at `tail`, still reaches the
 * head in `headPath`. A missing or empty head (a crash right after creating it) anchors nothing.
 * @throws AuditLogCorruptError when the head is unreadable, anchors records the segment no
 *   longer has, or a record other than the segment's.
 */
export function checkHeadReached(headPath: string, segment: string, tail: { readonly seq: number; readonly hash: string }): void {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in the head's place must not block the open (it is refused below).
    fd = fs.openSync(headPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  let text: string;
  try {
    const st = fs.fstatSync(fd);
    if (st.isFIFO() || st.isSocket()) throw new AuditLogCorruptError(segment, `its head ${headPath} is a FIFO or a socket`);
    // A device (an operator's /dev/null) anchors nothing.
    if (!st.isFile()) return;
    text = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  if (text === '') return;
  const refuse = (problem: string): AuditLogCorruptError =>
    new AuditLogCorruptError(segment, `${problem}; keep ${headPath} as evidence and move it aside to start the segment's head anew`);
  let head;
  try {
    head = parseHead(text, headPath);
  } catch (err) {
    throw refuse((err as Error).message);
  }
  if (head.log !== path.basename(segment)) throw refuse(`its head ${headPath} anchors another log (${JSON.stringify(head.log.slice(0, 64))})`);
  if (head.count > tail.seq)
    throw refuse(`it holds ${tail.seq} record(s), but its head anchors ${head.count} (records removed from the end, or the log deleted)`);
  if (head.count === tail.seq) {
    if (head.hash !== tail.hash) throw refuse(`its last record (seq ${tail.seq}) is not the one its head anchors (log rewritten)`);
    return;
  }
  if (prevOf(segment, head.count + 1) !== head.hash) throw refuse(`record ${head.count} is not the one its head anchors (log rewritten)`);
}

/** The `prev` of the record `seq` of the segment, read from its newest files backwards; undefined when not found. */
function prevOf(segment: string, seq: number): string | undefined {
  const files = listSegments(segment).find((s) => s.name === path.basename(segment))?.files ?? [];
  for (let i = files.length - 1; i >= 0; i--) {
    for (const line of linesBackward(files[i]!)) {
      let record: { seq?: unknown; prev?: unknown };
      try {
        record = JSON.parse(line) as { seq?: unknown; prev?: unknown };
      } catch {
        return undefined;
      }
      if (record.seq === seq) return typeof record.prev === 'string' ? record.prev : undefined;
      if (typeof record.seq !== 'number' || record.seq < seq) return undefined;
    }
  }
  return undefined;
}

/** The non-empty lines of `file`, last first. */
function* linesBackward(file: string): Generator<string> {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    let pos = fs.fstatSync(fd).size;
    let carry = Buffer.alloc(0);
    while (pos > 0) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      const chunk = Buffer.alloc(n);
      fs.readSync(fd, chunk, 0, n, pos);
      let buf = carry.length === 0 ? chunk : Buffer.concat([chunk, carry]);
      let nl = buf.lastIndexOf(0x0a);
      while (nl !== -1) {
        const line = buf.subarray(nl + 1);
        if (line.length > 0) yield line.toString('utf8');
        buf = buf.subarray(0, nl);
        nl = buf.lastIndexOf(0x0a);
      }
      carry = Buffer.from(buf);
    }
    if (carry.length > 0) yield carry.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
