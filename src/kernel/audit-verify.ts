/**
 * Checks an audit log: every segment's hash chain (across its rotated files), every line's
 * form, and the heads that anchor how far each chain reached.
 *
 * Per line: it must be the canonical serialisation of the record it parses to (so
 * duplicate keys — which `JSON.parse` silently collapses to the last one —, reordered or
 * unknown keys and extra whitespace are refused), of a known format version never older
 * than the record before, carry the hash of its own content, point (`prev`) at the hash of
 * the record before and have the next `seq`. That detects edited, forged, removed,
 * reordered and cut records and a removed head of the log.
 *
 * Completeness: removing records from the END leaves a valid chain; a head (count + last
 * hash, audit-head.ts) kept beside the segment or elsewhere (`anchors`) detects it: the
 * anchored record must still be there with the anchored hash. A run export (`audit export`)
 * can anchor too: every kernel record it names (`kernel_record`) must be in the log.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { type AuditHead, parseHead, readHead } from './audit-head';
import { listSegments, type Segment } from './audit-segments';
import { GENESIS_HASH, canonicalLine, computeRecordHash, recordVersion } from './audit-record';

/** One thing wrong with a log. `line` is 1-based within `file`; `seq` is the record's own, when readable. */
export interface AuditProblem {
  readonly line: number;
  readonly seq?: number;
  readonly message: string;
  /** The file the line is in (absent for problems of the log as a whole, e.g. a failed anchor). */
  readonly file?: string;
}

/** What one segment (one writer's chain) held. */
export interface AuditSegmentResult {
  readonly name: string;
  readonly files: readonly string[];
  readonly records: number;
  readonly lastHash?: string;
}

/** The outcome of {@link verifyAuditLog}. */
export interface AuditVerifyResult {
  /** True when every chain is intact from the first to the last line and every anchor holds. */
  readonly ok: boolean;
  /** Number of records read, over all segments. */
  readonly records: number;
  readonly problems: readonly AuditProblem[];
  /** `hash` of the last record of the first segment (the base file's chain). */
  readonly lastHash?: string;
  readonly segments: readonly AuditSegmentResult[];
  /** Heads and exports checked, and records found after the anchored ones (written since). */
  readonly anchors: readonly { readonly source: string; readonly log: string; readonly count: number; readonly after: number }[];
}

/** Options of {@link verifyAuditLog}. */
export interface AuditVerifyOptions {
  /**
   * Head files (`<segment>.head`, e.g. copied elsewhere) or run exports (`audit export`
   * output) the log must still reach. Head files beside the log are always checked.
   */
  readonly anchors?: readonly string[];
}

/** At most this many problems are collected; a broken chain would otherwise report every line. */
export const MAX_AUDIT_PROBLEMS = 100;

interface Anchor {
  readonly source: string;
  readonly head?: AuditHead;
  /** Kernel record ids a run export names, with where it names them. */
  readonly records?: ReadonlyMap<string, number>;
}

/**
 * Verifies the log at `file` (all its segments and rotated files), streaming each file.
 * @throws Error from `fs` if nothing of the log can be read (a missing log is not "verified"),
 *   or if an anchor file cannot be read or is neither a head nor a run export.
 * @example
 * const result = await verifyAuditLog('kernel.log', { anchors: ['/secure/kernel.log.head'] });
 * if (!result.ok) for (const p of result.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
 */
export async function verifyAuditLog(file: string, options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const segments = listSegments(file);
  const besideHeads = headsBeside(file);
  if (segments.length === 0 && besideHeads.length === 0) await fs.promises.access(file, fs.constants.R_OK);
  const anchors: Anchor[] = [...besideHeads.map((h) => ({ source: h, head: readHead(h) })), ...(options.anchors ?? []).map(readAnchor)];
  const problems: AuditProblem[] = [];
  const report = (p: AuditProblem): void => {
    if (problems.length < MAX_AUDIT_PROBLEMS) problems.push(p);
  };
  const wantedIds = new Set<string>();
  for (const a of anchors) for (const id of a.records?.keys() ?? []) wantedIds.add(id);
  const foundIds = new Set<string>();

  const results: (AuditSegmentResult & { hashAt: Map<number, string> })[] = [];
  for (const segment of segments) {
    const wantedSeqs = new Set(anchors.filter((a) => a.head?.log === segment.name).map((a) => a.head!.count));
    results.push(await verifySegment(segment, wantedSeqs, wantedIds, foundIds, report));
  }

  const anchorResults: AuditVerifyResult['anchors'][number][] = [];
  for (const anchor of anchors) {
    if (anchor.head !== undefined) {
      const { log, count, hash } = anchor.head;
      const seg = results.find((r) => r.name === log);
      const records = seg?.records ?? 0;
      if (seg === undefined && count > 0) {
        report({ line: 0, message: `segment ${log} is missing: ${anchor.source} anchors ${count} record(s) (log deleted)` });
      } else if (records < count) {
        report({
          line: 0,
          message: `${log} holds ${records} record(s), but ${anchor.source} anchors ${count} ending in ${hash.slice(0, 12)}… (records removed from the end)`,
        });
      } else if (count > 0 && seg?.hashAt.get(count) !== hash) {
        report({ line: 0, seq: count, message: `record ${count} of ${log} is not the one ${anchor.source} anchors (log rewritten)` });
      } else if (count === 0 && hash !== GENESIS_HASH) {
        report({ line: 0, message: `${anchor.source} is not a valid head (count 0 without the genesis hash)` });
      }
      anchorResults.push({ source: anchor.source, log, count, after: Math.max(0, records - count) });
    }
    if (anchor.records !== undefined) {
      for (const [id, line] of anchor.records) {
        if (!foundIds.has(id))
          report({ line, file: anchor.source, message: `kernel record ${id.slice(0, 12)}… of the run export is not in the log (records removed)` });
      }
      anchorResults.push({ source: anchor.source, log: '*', count: anchor.records.size, after: 0 });
    }
  }

  const records = results.reduce((n, r) => n + r.records, 0);
  const first = results[0]?.lastHash;
  const result = {
    ok: problems.length === 0,
    records,
    problems,
    segments: results.map(({ hashAt: _hashAt, ...r }) => r),
    anchors: anchorResults,
  };
  return first === undefined ? result : { ...result, lastHash: first };
}

async function verifySegment(
  segment: Segment,
  wantedSeqs: ReadonlySet<number>,
  wantedIds: ReadonlySet<string>,
  foundIds: Set<string>,
  report: (p: AuditProblem) => void,
): Promise<AuditSegmentResult & { hashAt: Map<number, string> }> {
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let prevVersion = 0;
  let records = 0;
  let lastHash: string | undefined;
  const hashAt = new Map<number, string>();
  let firstLineOfSegment = true;
  for (const file of segment.files) {
    let lineNo = 0;
    for await (const { text: line, complete, utf8 } of readLines(file)) {
      lineNo += 1;
      if (!utf8) {
        // Invalid bytes decode to U+FFFD: the text (and so its hash) could match while the bytes differ.
        report({ file, line: lineNo, message: 'not valid UTF-8 (bytes edited: the line is not what was hashed)' });
      }
      if (line.trim() === '') {
        report({ file, line: lineNo, message: 'empty line' });
        continue;
      }
      records += 1;
      let record: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        record = parsed as Record<string, unknown>;
      } catch {
        report({ file, line: lineNo, message: 'not a JSON record (cut or corrupted line)' });
        prevHash = '';
        firstLineOfSegment = false;
        continue;
      }
      const { seq, prev, hash } = record;
      const seqNo = typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined;
      const at = seqNo === undefined ? { file, line: lineNo } : { file, line: lineNo, seq: seqNo };
      if (!complete) report({ ...at, message: 'the last line has no newline (cut line)' });
      const version = recordVersion(record);
      if (version === undefined) {
        report({ ...at, message: `unknown record format version ${JSON.stringify(record['v'])} (written by a newer release?)` });
      } else {
        if (version < prevVersion) report({ ...at, message: `a v${version} record after v${prevVersion} records (format downgrade)` });
        prevVersion = Math.max(prevVersion, version);
        if (canonicalLine(record) !== line) {
          report({ ...at, message: 'not the canonical serialisation of its record (duplicate, reordered or unknown keys, or extra whitespace)' });
        }
      }
      if (seqNo === undefined || typeof prev !== 'string' || typeof hash !== 'string') {
        report({ ...at, message: 'missing seq, prev or hash' });
        prevHash = typeof hash === 'string' ? hash : '';
        firstLineOfSegment = false;
        continue;
      }
      let actual: string;
      try {
        actual = computeRecordHash(record);
      } catch {
        actual = '';
      }
      if (actual !== hash) report({ ...at, message: 'content does not match its hash (record edited)' });
      if (seqNo !== prevSeq + 1) {
        report({ ...at, message: `seq ${seqNo} follows seq ${prevSeq} (records removed or reordered)` });
      }
      if (prev !== prevHash && prevHash !== '') {
        report({
          ...at,
          message: firstLineOfSegment
            ? 'first record does not start a chain (head of log removed)'
            : lineNo === 1
              ? 'prev does not match the last record of the previous rotated file (files removed or reordered)'
              : "prev does not match the previous record's hash (records removed, reordered or edited)",
        });
      }
      if (wantedSeqs.has(seqNo)) hashAt.set(seqNo, hash);
      if (wantedIds.has(hash)) foundIds.add(hash);
      prevHash = hash;
      prevSeq = seqNo;
      lastHash = hash;
      firstLineOfSegment = false;
    }
  }
  const base = { name: segment.name, files: segment.files, records, hashAt };
  return lastHash === undefined ? base : { ...base, lastHash };
}

/** The lines of a file exactly as written (split on `\n` only), whether each ended with one, and whether its bytes are valid UTF-8. */
async function* readLines(file: string): AsyncGenerator<{ text: string; complete: boolean; utf8: boolean }> {
  let rest = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file)) {
    let buf = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
    let nl = buf.indexOf(0x0a);
    while (nl !== -1) {
      yield lineOf(buf.subarray(0, nl), true);
      buf = buf.subarray(nl + 1);
      nl = buf.indexOf(0x0a);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length > 0) yield lineOf(rest, false);
}

function lineOf(bytes: Buffer, complete: boolean): { text: string; complete: boolean; utf8: boolean } {
  const text = bytes.toString('utf8');
  // Invalid bytes always decode to U+FFFD: only a line holding one needs the byte check.
  return { text, complete, utf8: !text.includes('\uFFFD') || isUtf8(bytes) };
}

/** Head files in the log's folder whose segment belongs to the log at `file`. */
function headsBeside(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.head') && (n === `${base}.head` || /^\.w-[A-Za-z0-9_-]+\.head$/.test(n.slice(base.length))) && n.startsWith(base))
    .sort()
    .map((n) => path.join(dir, n));
}

/** A head file, or a run export whose records name kernel records (`kernel_record`). */
function readAnchor(source: string): Anchor {
  const text = fs.readFileSync(source, 'utf8');
  const trimmed = text.trim();
  if (!trimmed.includes('\n')) {
    try {
      return { source, head: parseHead(trimmed, source) };
    } catch {
      // not a head: maybe a one-record export
    }
  }
  const records = new Map<string, number>();
  trimmed.split('\n').forEach((line, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${source}:${i + 1}: neither a head file nor a run export (not JSON)`);
    }
    const id = (parsed as { kernel_record?: unknown } | null)?.kernel_record;
    if (typeof id === 'string') records.set(id, i + 1);
  });
  if (records.size === 0 && trimmed !== '') throw new Error(`${source} is neither a head file nor a run export naming kernel records`);
  return { source, records };
}
