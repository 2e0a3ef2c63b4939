/**
 * How one audit log is laid out on disk, so several writers can share it without a lock
 * per append: every writer appends to a segment of its own, and a segment rotates into
 * numbered files that continue its hash chain.
 *
 *   kernel.log                    the log's first writer (the path the operator named)
 *   kernel.log.000001 …           its rotated files, oldest first; kernel.log continues them
 *   kernel.log.w-<host>-<pid>     a further writer's segment (another process or Kernel)
 *   kernel.log.w-<…>.000001 …     its rotated files
 *   <segment>.head                the segment's head: record count and last hash (audit-head.ts)
 *   <segment>.writer              who is writing the segment now (audit-claim.ts)
 *
 * A segment is one hash chain from its first rotated file to its active file; `audit
 * verify kernel.log` finds and checks every segment of the log.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Digits of a rotated file's index. */
const INDEX_DIGITS = 6;
const ROTATED = /^\.(\d{6,})$/;
const WRITER_SEGMENT = /^\.w-[A-Za-z0-9_-]+$/;

/** One segment (chain) of a log: its files in chain order, the active one last. */
export interface Segment {
  /** The active file's name (the segment's name), e.g. `kernel.log.w-host-42`. */
  readonly name: string;
  /** Full paths, oldest rotated file first, the active file (when present) last. */
  readonly files: readonly string[];
}

/** The rotated file `index` of the segment whose active file is `active`. */
export function rotatedName(active: string, index: number): string {
  return `${active}.${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/** A writer identity usable in a file name (host and pid, plus a counter for further writers of one process). */
export function writerSegmentName(base: string, writer: string): string {
  return `${base}.w-${writer.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100)}`;
}

/**
 * The segments of the log at `base`, from a listing of its folder. The base segment comes
 * first, then the writer segments by name. A segment with neither an active nor a rotated
 * file is not listed.
 */
export function listSegments(base: string): Segment[] {
  const dir = path.dirname(base);
  const baseName = path.basename(base);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const segments = new Map<string, { active: boolean; rotated: { index: number; name: string }[] }>();
  const entry = (name: string) => {
    let e = segments.get(name);
    if (e === undefined) segments.set(name, (e = { active: false, rotated: [] }));
    return e;
  };
  for (const name of names) {
    if (name === baseName) {
      entry(baseName).active = true;
      continue;
    }
    if (!name.startsWith(baseName)) continue;
    const rest = name.slice(baseName.length);
    const rotated = ROTATED.exec(rest);
    if (rotated !== null) {
      entry(baseName).rotated.push({ index: Number(rotated[1]), name });
      continue;
    }
    // A writer segment, or one of its rotated files.
    const dot = rest.lastIndexOf('.');
    const tail = dot > 0 ? ROTATED.exec(rest.slice(dot)) : null;
    const segRest = tail !== null ? rest.slice(0, dot) : rest;
    if (!WRITER_SEGMENT.test(segRest)) continue;
    const segName = baseName + segRest;
    if (tail !== null) entry(segName).rotated.push({ index: Number(tail[1]), name });
    else entry(segName).active = true;
  }
  const ordered = [...segments.keys()].sort((a, b) => (a === baseName ? -1 : b === baseName ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return ordered.map((name) => {
    const e = segments.get(name)!;
    const files = e.rotated.sort((a, b) => a.index - b.index).map((r) => path.join(dir, r.name));
    if (e.active) files.push(path.join(dir, name));
    return { name, files };
  });
}

/** The highest rotated index of the segment whose active file is `active` (0 if none). */
export function lastRotatedIndex(active: string): number {
  const segment = listSegments(active).find((s) => s.name === path.basename(active));
  let max = 0;
  for (const file of segment?.files ?? []) {
    const m = ROTATED.exec(file.slice(active.length));
    if (m !== null && file.startsWith(active)) max = Math.max(max, Number(m[1]));
  }
  return max;
}
