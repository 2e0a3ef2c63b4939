/**
 * Checks an audit log's hash chain: every line must parse, carry the hash of its own
 * content, point (`prev`) at the hash of the line before it, and have the next `seq`.
 * That detects edited records (hash), removed and reordered records (prev and seq), lines
 * cut in the middle (parse) and a removed head of the log (first seq / prev).
 *
 * Removing records from the END cannot be detected from the file alone; compare
 * {@link AuditVerifyResult.lastHash} / `records` with a value kept elsewhere for that.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { GENESIS_HASH, computeRecordHash } from './audit-record';

/** One thing wrong with a log. `line` is 1-based; `seq` is the record's own, when readable. */
export interface AuditProblem {
  readonly line: number;
  readonly seq?: number;
  readonly message: string;
}

/** The outcome of {@link verifyAuditLog}. */
export interface AuditVerifyResult {
  /** True when the chain is intact from the first to the last line. */
  readonly ok: boolean;
  /** Number of non-empty lines read. */
  readonly records: number;
  readonly problems: readonly AuditProblem[];
  /** `hash` of the last record that parsed (anchor it elsewhere to detect truncation at the end). */
  readonly lastHash?: string;
}

/** At most this many problems are collected; a broken chain would otherwise report every line. */
export const MAX_AUDIT_PROBLEMS = 100;

/**
 * Verifies the hash chain of a JSONL audit log, streaming it line by line.
 * @throws Error from `fs` if the file cannot be read (a missing file is not "verified").
 * @example
 * const result = await verifyAuditLog('kernel.log');
 * if (!result.ok) for (const p of result.problems) console.error(`${p.line}: ${p.message}`);
 */
export async function verifyAuditLog(file: string): Promise<AuditVerifyResult> {
  await fs.promises.access(file, fs.constants.R_OK);
  const problems: AuditProblem[] = [];
  const report = (p: AuditProblem): void => {
    if (problems.length < MAX_AUDIT_PROBLEMS) problems.push(p);
  };
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let lineNo = 0;
  let records = 0;
  let lastHash: string | undefined;
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') {
      report({ line: lineNo, message: 'empty line' });
      continue;
    }
    records += 1;
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      record = parsed as Record<string, unknown>;
    } catch {
      report({ line: lineNo, message: 'not a JSON record (cut or corrupted line)' });
      prevHash = '';
      continue;
    }
    const { seq, prev, hash } = record;
    const seqNo = typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : undefined;
    const at = seqNo === undefined ? { line: lineNo } : { line: lineNo, seq: seqNo };
    if (seqNo === undefined || typeof prev !== 'string' || typeof hash !== 'string') {
      report({ ...at, message: 'missing seq, prev or hash' });
      prevHash = typeof hash === 'string' ? hash : '';
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
      report({ ...at, message: lineNo === 1 ? 'first record does not start a chain (head of log removed)' : 'prev does not match the previous record\'s hash (records removed, reordered or edited)' });
    }
    prevHash = hash;
    prevSeq = seqNo;
    lastHash = hash;
  }
  const result = { ok: problems.length === 0, records, problems };
  return lastHash === undefined ? result : { ...result, lastHash };
}
