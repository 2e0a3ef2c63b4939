/**
 * `agent-os audit log FILE` — the original library's `log` command: list the records of an
 * audit log (every writer segment and rotated file, merged by time), filtered, as text or
 * JSON, and optionally follow new ones as they are written.
 *
 *   agent-os audit log ~/.agent-os/kernel.log --status DENIED --action 'fs.*' \
 *     --target '/workspace/**' --since 2h --limit 20 -o jsonl --follow
 *
 * Exit codes: 0 listed (also when nothing matched), 2 usage or unreadable log.
 * Globs are micromatch globs, as in policies (`*` stays within a path segment, `**` crosses).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import micromatch from 'micromatch';
import { listSegments } from '../kernel/audit-segments';
import { printable } from './printable';
import type { AuditSubcommand } from './audit';
import { ExitCode, OutputFormat, withOutputOption } from './conventions';

interface LogOptions {
  readonly status?: string[];
  readonly action?: string;
  readonly target?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly output: string;
  readonly follow?: boolean;
  readonly json?: boolean;
}

/** What the filters keep. */
interface Filter {
  readonly statuses?: ReadonlySet<string>;
  readonly action?: (s: string) => boolean;
  readonly target?: (s: string) => boolean;
  readonly sinceMs?: number;
}

type LogRecord = Record<string, unknown>;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `--since`: an ISO 8601 time or a duration back from `now` (`30s`, `10m`, `2h`, `7d`).
 * @throws Error naming the accepted forms.
 */
export function parseSince(text: string, now = Date.now()): number {
  const d = DURATION.exec(text.trim());
  if (d !== null) return now - Number(d[1]) * UNIT_MS[d[2]!]!;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`--since ${JSON.stringify(text)} is neither an ISO 8601 time (2026-12-01T10:00:00Z) nor a duration (30s, 10m, 2h, 7d)`);
  return t;
}

function buildFilter(options: LogOptions): Filter {
  const glob = (pattern: string) => micromatch.matcher(pattern, { dot: true });
  return {
    ...(options.status !== undefined && options.status.length > 0
      ? { statuses: new Set(options.status.flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase())) }
      : {}),
    ...(options.action !== undefined ? { action: glob(options.action) } : {}),
    ...(options.target !== undefined ? { target: glob(options.target) } : {}),
    ...(options.since !== undefined ? { sinceMs: parseSince(options.since) } : {}),
  };
}

function keep(record: LogRecord, filter: Filter): boolean {
  if (filter.statuses !== undefined && !filter.statuses.has(String(record['status']))) return false;
  if (filter.action !== undefined && !filter.action(String(record['action'] ?? ''))) return false;
  if (filter.target !== undefined) {
    const canonical = record['canonical_target'];
    if (!filter.target(String(record['target'] ?? '')) && !(typeof canonical === 'string' && filter.target(canonical))) return false;
  }
  if (filter.sinceMs !== undefined && !(Date.parse(String(record['timestamp'])) >= filter.sinceMs)) return false;
  return true;
}

/** One record as a line of text: time, status, action, target, then why (agent text escaped: printable.ts). */
export function formatRecord(record: LogRecord): string {
  const why = [record['rule_id'], record['code'], record['reason'] ?? record['error']].filter((x) => typeof x === 'string' && x !== '').join(' ');
  const approved = typeof record['approved_by'] === 'string' ? ` approved by ${record['approved_by']}` : '';
  const undo = typeof record['undo_of'] === 'string' ? ` undo of ${String(record['undo_of']).slice(0, 12)}…` : '';
  return printable(
    `${String(record['timestamp'])}  ${String(record['status']).padEnd(7)} ${String(record['action'])} ${String(record['target'])}${why ? `  (${why})` : ''}${approved}${undo}`,
  );
}

/** Reads complete lines of `file` from byte `from`; returns the parsed records and the offset after the last complete line. */
function readFrom(file: string, from: number): { records: LogRecord[]; next: number; skipped: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { records: [], next: from, skipped: 0 };
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= from) return { records: [], next: from, skipped: 0 };
    const buf = Buffer.alloc(size - from);
    let read = 0;
    while (read < buf.length) {
      const n = fs.readSync(fd, buf, read, buf.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    const end = buf.lastIndexOf(0x0a, read - 1);
    if (end === -1) return { records: [], next: from, skipped: 0 };
    const records: LogRecord[] = [];
    let skipped = 0;
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) records.push(parsed as LogRecord);
        else skipped += 1;
      } catch {
        skipped += 1;
      }
    }
    return { records, next: from + end + 1, skipped };
  } finally {
    fs.closeSync(fd);
  }
}

/** Where following has got to: bytes read per file, by inode (a rotated file keeps its inode). */
type Offsets = Map<string, number>;

function inodeOf(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Reads every record of the log not read yet, merged across segments by time. */
function readNew(base: string, offsets: Offsets): { records: LogRecord[]; skipped: number } {
  const all: LogRecord[] = [];
  let skipped = 0;
  for (const segment of listSegments(base)) {
    for (const file of segment.files) {
      const ino = inodeOf(file);
      if (ino === undefined) continue;
      const { records, next, skipped: bad } = readFrom(file, offsets.get(ino) ?? 0);
      offsets.set(ino, next);
      all.push(...records);
      skipped += bad;
    }
  }
  // Stable sort: records of one segment keep their order; segments interleave by time.
  all.sort((a, b) => String(a['timestamp']).localeCompare(String(b['timestamp'])));
  return { records: all, skipped };
}

/** Builds the `audit log` registrar. */
export const registerAuditLog: AuditSubcommand = (audit: Command) => {
  withOutputOption(
    audit
      .command('log')
      .description('list the records of an audit log (all writer segments, merged by time), filtered')
      .argument('<file>', 'the audit log, e.g. ~/.agent-os/kernel.log')
      .option('--status <status...>', 'only these statuses: OK, DENIED, ERROR, UNKNOWN (repeatable or comma-separated)')
      .option('--action <glob>', "only actions matching the glob, e.g. 'fs.*'")
      .option('--target <glob>', "only targets (as written or canonical) matching the glob, e.g. '/workspace/**'")
      .option('--since <when>', 'only records from this time on: ISO 8601 (2026-12-01T10:00:00Z) or a duration back (30s, 10m, 2h, 7d)')
      .option('--limit <n>', 'only the most recent N matching records')
      .option('-f, --follow', 'keep printing new matching records as they are written (Ctrl-C to stop)')
      .option('--json', 'print the records as one JSON array (same as -o json; JSON lines with --follow)'),
  ).action(async (file: string, options: LogOptions) => {
    let filter: Filter;
    let limit: number | undefined;
    try {
      filter = buildFilter(options);
      if (options.limit !== undefined) {
        limit = Number(options.limit);
        if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`--limit ${JSON.stringify(options.limit)} must be a whole number ≥ 0`);
      }
    } catch (err) {
      process.stderr.write(`agent-os audit log: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = ExitCode.Usage;
      return;
    }
    if (listSegments(file).length === 0) {
      process.stderr.write(
        `agent-os audit log: cannot read ${file}: no such log\n  fix: name the log a kernel or worker writes (e.g. ~/.agent-os/kernel.log)\n`,
      );
      process.exitCode = ExitCode.Usage;
      return;
    }
    const offsets: Offsets = new Map();
    const { records, skipped } = readNew(file, offsets);
    let shown = records.filter((r) => keep(r, filter));
    if (limit !== undefined) shown = limit === 0 ? [] : shown.slice(-limit);
    const format = options.output === OutputFormat.Jsonl ? OutputFormat.Jsonl : options.json === true ? OutputFormat.Json : options.output;
    if (format === OutputFormat.Json && options.follow !== true) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    else for (const r of shown) process.stdout.write(`${format === OutputFormat.Text ? formatRecord(r) : JSON.stringify(r)}\n`);
    if (skipped > 0) process.stderr.write(`agent-os audit log: ${skipped} line(s) are not JSON records (run \`agent-os audit verify ${file}\`)\n`);
    process.exitCode = ExitCode.Ok;
    if (options.follow !== true) return;
    // Follow: poll for appended lines, new segments and rotated files (fs.watch misses renames on some file systems).
    await new Promise<never>(() => {
      setInterval(() => {
        for (const r of readNew(file, offsets).records) {
          if (keep(r, filter)) process.stdout.write(`${format === OutputFormat.Text ? formatRecord(r) : JSON.stringify(r)}\n`);
        }
      }, 200);
    });
  });
};
