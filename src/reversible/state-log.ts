/**
 * The store's append-only log of the record states a crash may lose
 * (`<dir>/records/rolled-back.log`): `registered` (the start of an attempt), `applied` (its
 * end) and `rolled-back` (the end of a rollback) are appended here, one line per state,
 * instead of writing a file per state. An append to an existing file is one `write(2)`
 * (~5 µs here); creating a file costs 0.3–0.5 ms of CPU on this machine's ext4 (inode
 * allocation), and the manifest that holds the snapshot is never rewritten for them. The
 * durable states (`pending`, `revoked`) stay in `records/<id>.json`.
 *
 * The name is the one the first version of the log had, which held `rolled-back` only:
 * a worker of that version reading this log takes the `rolled-back` lines and skips the
 * others, which then read as a crash would have left them (see below), so old and new
 * workers can share a store during an upgrade.
 *
 * Not fsynced and not atomic, on purpose: such a state may be lost in a crash — a lost
 * `registered` means the attempt never started, a lost `applied` leaves `pending` (retries and
 * rollbacks compare the target with the snapshot), a lost `rolled-back` makes a retried
 * rollback find the target already restored (`NOOP`). Each line is written as `\n<json>\n`
 * in one `write(2)` on an `O_APPEND` descriptor, so appends from several processes do not mix,
 * a line torn by a crash is skipped (it does not parse) and the next line still starts clean.
 * A line only counts for the record it names with the same `createdAt` (a record id reused
 * after a sweep is a new record), and of one record's lines the most advanced state counts.
 *
 * Folding (`fold`) hands the log's states to the store (which writes them into the
 * manifests) and starts a new log; the log is renamed aside first (`rolled-back.log.folding`,
 * consulted by readers too), and an append that landed in the renamed file after the fold
 * read it is appended again to the new log (the writer checks, after writing, that the name
 * still leads to its file), so a fold never loses a state.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecordState, type RecordManifest } from './record';

/** Name of the log in the store's `records` folder. */
export const STATE_LOG_NAME = 'rolled-back.log';

/** Size past which the store folds the log into the manifests and starts a new one. */
export const STATE_LOG_FOLD_BYTES = 1024 * 1024;

/** How far each state is along a record's life: of two states of one record, the higher one is the later. */
const RANK: Readonly<Record<RecordState, number>> = {
  [RecordState.Registered]: 0,
  [RecordState.Pending]: 1,
  [RecordState.Applied]: 2,
  [RecordState.RolledBack]: 3,
  [RecordState.Revoked]: 3,
};

/** The states this log holds (the others are never appended, and skipped if found). */
const LOGGED: ReadonlySet<string> = new Set([RecordState.Registered, RecordState.Applied, RecordState.RolledBack]);

/** True if `a` is a later state of the same record than `b` (same `createdAt`, further along). */
export function isLaterState(a: RecordManifest, b: RecordManifest): boolean {
  return a.createdAt === b.createdAt && RANK[a.state] > RANK[b.state];
}

/** True if `state` goes to the log (see the module comment). */
export function isLoggedState(state: RecordState): boolean {
  return LOGGED.has(state);
}

/**
 * The logged states of one store: the log, and while a fold runs, the log being folded
 * (`rolled-back.log.folding`), so every reader sees each state either in a log or in its
 * manifest.
 */
export class StateLog {
  private readonly current: LogFile;
  private readonly folding: LogFile;

  /** @param dir the store's `records` folder */
  constructor(dir: string) {
    this.current = new LogFile(path.join(dir, STATE_LOG_NAME));
    this.folding = new LogFile(path.join(dir, `${STATE_LOG_NAME}.folding`));
  }

  /**
   * Appends `manifest` (a logged state): one `write(2)`, no fsync. Returns the log's size
   * after it. If a fold renamed the log while this line went in, the line is appended again
   * to the new log.
   */
  append(manifest: RecordManifest): number {
    const bytes = Buffer.from(`\n${JSON.stringify(manifest)}\n`, 'utf8');
    for (let attempt = 0; ; attempt++) {
      const fd = fs.openSync(this.current.file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, 0o600);
      let size: number;
      let ino: number;
      try {
        const n = fs.writeSync(fd, bytes);
        if (n !== bytes.length) throw new Error(`short append to ${this.current.file}`); // the torn line is skipped by readers
        ({ size, ino } = fs.fstatSync(fd));
      } finally {
        fs.closeSync(fd);
      }
      // Still the log? A fold may have renamed it aside after reading it: then append again.
      if (inodeOf(this.current.file) === ino || attempt === 3) return size;
    }
  }

  /** The logged state of record `recordId` (its most advanced line, newest log first), or `undefined`. */
  latest(recordId: string): RecordManifest | undefined {
    return this.current.read().get(recordId) ?? this.folding.read().get(recordId);
  }

  /** The ids of every record with a logged state. */
  ids(): string[] {
    return [...new Set([...this.current.read().keys(), ...this.folding.read().keys()])];
  }

  /** The log's size in bytes (0 if there is none). */
  size(): number {
    return sizeOf(this.current.file);
  }

  /**
   * Folds the log into the manifests once it is over `thresholdBytes` (or a fold was cut short
   * by a crash): renames it aside, hands every state in it to `write` (which makes it the
   * record's manifest, or appends it again), awaits `beforeRemove` (which makes those writes
   * durable), then removes it. Returns how many states were handed over.
   */
  async fold(
    write: (manifest: RecordManifest) => Promise<void>,
    thresholdBytes = STATE_LOG_FOLD_BYTES,
    beforeRemove: () => Promise<void> = async () => undefined,
  ): Promise<number> {
    if (!exists(this.folding.file)) {
      const size = sizeOf(this.current.file);
      if (size === 0 || size <= thresholdBytes) return 0;
      fs.renameSync(this.current.file, this.folding.file);
    }
    const states = [...this.folding.read().values()];
    for (const m of states) await write(m);
    await beforeRemove();
    fs.rmSync(this.folding.file, { force: true });
    return states.length;
  }
}

function exists(file: string): boolean {
  return fs.existsSync(file);
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function inodeOf(file: string): number {
  try {
    return fs.lstatSync(file).ino;
  } catch {
    return -1;
  }
}

/** One log file, read incrementally as it grows. */
class LogFile {
  private ino = -1;
  private offset = 0;
  private states = new Map<string, RecordManifest>();

  constructor(readonly file: string) {}

  /** The states in the file now, by record id (of one record's lines, the most advanced; else the last). */
  read(): ReadonlyMap<string, RecordManifest> {
    this.refresh();
    return this.states;
  }

  /** Reads what was appended since the last call (a new log — after a fold — is read from its start). */
  private refresh(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.reset(-1);
      return;
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.ino !== this.ino || st.size < this.offset) this.reset(st.ino);
      if (st.size === this.offset) return;
      const buf = Buffer.alloc(st.size - this.offset);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      // Only whole lines: a line still being written ends after the last newline read.
      const end = buf.subarray(0, got).lastIndexOf(0x0a) + 1;
      for (const line of buf.subarray(0, end).toString('utf8').split('\n')) this.take(line);
      this.offset += end;
    } finally {
      fs.closeSync(fd);
    }
  }

  private take(line: string): void {
    if (line === '') return;
    let m: Partial<RecordManifest>;
    try {
      m = JSON.parse(line) as Partial<RecordManifest>;
    } catch {
      return; // torn by a crash: skipped
    }
    if (typeof m !== 'object' || m === null || !LOGGED.has(m.state as string) || typeof m.recordId !== 'string' || typeof m.createdAt !== 'string') return;
    const state = m as RecordManifest;
    const before = this.states.get(state.recordId);
    if (before === undefined || !isLaterState(before, state)) this.states.set(state.recordId, state);
  }

  private reset(ino: number): void {
    this.ino = ino;
    this.offset = 0;
    this.states = new Map();
  }
}
