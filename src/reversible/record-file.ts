/**
 * One record's file in the snapshot store (`records/<recordId>.json`): its states, appended
 * one line each as the record moves on — `registered`, `pending` (with the snapshot),
 * `applied`, `rolled-back` or `revoked`. The file is created once, by the record's first
 * state (`O_EXCL`), which keeps it open for the attempt's later states (open-record.ts);
 * every later state is one `write(2)` on an `O_APPEND` descriptor, never a new file: creating
 * a file (a new inode) costs 20–50 µs of CPU on this machine when it is quiet and up to 0.6 ms
 * while other processes create files too (docs/performance.md, rounds 4 and 5), an append
 * ~5 µs, and the line holding the snapshot is never rewritten.
 *
 * Durability per state (SnapshotStore.writeRecord says which): `registered` is never
 * fsynced — after a crash a lost or torn first line means the attempt never started; a
 * durable state (`pending`, `revoked`) is fsynced with the file's folder before the write
 * returns (at full durability); `applied` and `rolled-back` are not — after a crash a lost
 * line means the state before it, which retries and rollbacks handle (they compare the
 * target with the snapshot).
 *
 * Each line is written as `\n<json>\n` in one `write(2)`, so appends from several processes
 * do not mix and a line torn by a crash does not parse and is skipped; the next line still
 * starts clean. Of a record's lines the one furthest along counts (see {@link latestState}).
 *
 * The file keeps the name of the single JSON manifest an earlier version wrote per record, on
 * purpose: a worker of that version reads a record of one state as it always did, and a record
 * further along (two lines or more) as not JSON — a `Reversible.StoreCorrupt` error, never a
 * record it does not know (which a saga takes as "nothing to undo"). A manifest that version
 * wrote (pretty-printed, starting with `{`) is read here too, with any states appended to it
 * since (see {@link readRecordFile}).
 */
import fs from 'node:fs';
import { RecordState, type RecordManifest } from './record';
import { OpenRecord } from './open-record';
import { syncDir, syncFileAndFolder } from './store-files';

/** Suffix of a record's file. */
export const RECORD_SUFFIX = '.json';

/** How far each state is along a record's life: of two states of one record, the higher one is the later. */
const RANK: Readonly<Record<RecordState, number>> = {
  [RecordState.Registered]: 0,
  [RecordState.Pending]: 1,
  [RecordState.Applied]: 2,
  [RecordState.RolledBack]: 3,
  [RecordState.Revoked]: 3,
};

/** One state as it is appended to a record file: `\n<json>\n`, written in one `write(2)`. */
export function stateLine(manifest: RecordManifest): Buffer {
  return Buffer.from(`\n${JSON.stringify(manifest)}\n`, 'utf8');
}

const APPEND = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * Appends `manifest` to the record file `file` (created with mode 0600 if missing; a symlink or
 * a FIFO there fails without blocking); with
 * `sync`, the file's data and its folder `dir` (the file's name, which its first state
 * created without a sync) are fsynced before this resolves — both at once: the state counts
 * only with both, so neither has to wait for the other (the folder fsync is shared with
 * concurrent callers).
 */
export async function appendState(file: string, dir: string, manifest: RecordManifest, sync: boolean): Promise<void> {
  const bytes = stateLine(manifest);
  const fd = fs.openSync(file, APPEND | fs.constants.O_CREAT, 0o600);
  try {
    const n = fs.writeSync(fd, bytes);
    if (n !== bytes.length) throw new Error(`short append to ${file}`); // the torn line is skipped by readers
    if (sync) await syncFileAndFolder(fd, () => syncDir(dir));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates the record file `file` (mode 0600) holding `manifest` as its first state, and returns
 * it open for appending; `undefined` if a file of that name exists (`O_EXCL`: of two attempts
 * that race, one creates it and the other reads it). Not fsynced.
 */
export function createStateFile(file: string, manifest: RecordManifest): OpenRecord | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, APPEND | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  const open = new OpenRecord(fd, 0);
  try {
    open.write(stateLine(manifest));
  } catch (err) {
    open.close();
    throw err;
  }
  return open;
}

/**
 * A record file's content: the manifest an earlier version wrote (`legacy`, unparsed: the text
 * up to its closing brace at the start of a line), if the file starts with one, and the states
 * appended as lines.
 */
export function readRecordFile(text: Buffer): { readonly legacy?: Buffer; readonly states: Partial<RecordManifest>[] } {
  if (text[0] !== 0x7b /* { */) return { states: parseStates(text) };
  const end = text.indexOf('\n}');
  if (end < 0) return { legacy: text, states: [] };
  return { legacy: text.subarray(0, end + 2), states: parseStates(text.subarray(end + 2)) };
}

/** The states in a record file's text, in the order written: every line that parses as a state object (torn lines skipped). */
function parseStates(text: Buffer): Partial<RecordManifest>[] {
  const out: Partial<RecordManifest>[] = [];
  for (const line of text.toString('utf8').split('\n')) {
    if (line === '') continue;
    try {
      const m = JSON.parse(line) as unknown;
      if (typeof m === 'object' && m !== null && !Array.isArray(m)) out.push(m as Partial<RecordManifest>);
    } catch {
      // torn by a crash: skipped
    }
  }
  return out;
}

/**
 * The record's state now, of all its states found in the order written (the manifest of an
 * older store first, then its file's lines — all of one record: a sweep removes the file, so
 * a record id used again starts a new file): of its states the one furthest along (the last
 * of equals) — except that an `applied` written after `revoked` wins over it: an attempt on
 * another worker had passed its check before the revoke landed, and its action ran, so it
 * must stay undoable. `createdAt` does not split a file into records: two first attempts
 * (two workers; a retry after a crash left the file without a line) that both found no
 * record each write `registered` with their own `createdAt`, and the later one, landing after
 * the other's `applied`, must not read as a new record whose action never ran (it would
 * capture the result as "before"). The snapshot (and its inline blobs, written with
 * `pending` only) is the first one written (see the comment inside).
 */
export function latestState(states: readonly RecordManifest[]): RecordManifest | undefined {
  let best: RecordManifest | undefined;
  for (const m of states) {
    if (best === undefined || supersedes(m, best)) best = m;
  }
  if (best === undefined) return undefined;
  // The snapshot is the first one written: two attempts (two workers) that both found the record
  // before either wrote `pending` both capture, and the later capture may have seen the other's
  // write — its "before" would be the action's result. The first capture saw the target before
  // any attempt ran. Its inline blobs go with it.
  const first = states.find((m) => m.snapshot !== undefined);
  if (first === undefined || (first === best && best.inlineBlobs !== undefined)) return best;
  const { inlineBlobs: _own, ...rest } = best;
  return { ...rest, snapshot: first.snapshot, ...(first.inlineBlobs === undefined ? {} : { inlineBlobs: first.inlineBlobs }) } as RecordManifest;
}

/** True if `m`, written after `prior` (same record), is the record's state from then on. */
function supersedes(m: RecordManifest, prior: RecordManifest): boolean {
  return RANK[m.state] >= RANK[prior.state] || (prior.state === RecordState.Revoked && m.state === RecordState.Applied);
}
