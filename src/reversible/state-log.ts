/**
 * The store's append-only log of `rolled-back` states (`<dir>/records/rolled-back.log`): the
 * end of a rollback is appended here, one line per record, instead of rewriting the record's
 * manifest. An append to an existing file is one `write(2)` (~10 µs here); creating a file or
 * renaming over one costs 0.2–0.3 ms on ext4 (a journal handle, and writeback started by
 * the rename), and the manifest that holds the snapshot is never touched at the end.
 *
 * Not fsynced and not atomic, on purpose: a `rolled-back` state may be lost in a crash (a
 * retried rollback finds the target already restored and answers `NOOP`). Each line is
 * written as `\n<json>\n` in one `write(2)` on an `O_APPEND` descriptor, so appends from
 * several processes do not mix, a line torn by a crash is skipped (it does not parse) and the
 * next line still starts clean. A line only counts for the record it names with the same
 * `createdAt` (a record id reused after a sweep is a new record).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecordState, type RecordManifest } from './record';

/** Name of the log in the store's `records` folder. */
export const STATE_LOG_NAME = 'rolled-back.log';

/** Size past which `SnapshotStore.sweep` folds the log into the manifests and starts a new one. */
export const STATE_LOG_FOLD_BYTES = 1024 * 1024;

/**
 * The `rolled-back` states of one store: the log, and while `SnapshotStore.sweep` folds it
 * into the manifests, the log being folded (`rolled-back.log.folding`), so every reader sees
 * each state either in a log or in its manifest.
 */
export class StateLog {
  private readonly current: LogFile;
  private readonly folding: LogFile;

  /** @param dir the store's `records` folder */
  constructor(dir: string) {
    this.current = new LogFile(path.join(dir, STATE_LOG_NAME));
    this.folding = new LogFile(path.join(dir, `${STATE_LOG_NAME}.folding`));
  }

  /** Appends `manifest` (a `rolled-back` state): one `write(2)`, no fsync. */
  append(manifest: RecordManifest): void {
    const bytes = Buffer.from(`\n${JSON.stringify(manifest)}\n`, 'utf8');
    const fd = fs.openSync(this.current.file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, 0o600);
    try {
      const n = fs.writeSync(fd, bytes);
      if (n !== bytes.length) throw new Error(`short append to ${this.current.file}`); // the torn line is skipped by readers
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The `rolled-back` state logged for `manifest`'s record (same id and `createdAt`), or `undefined`. */
  lookup(manifest: RecordManifest): RecordManifest | undefined {
    for (const log of [this.current, this.folding]) {
      const m = log.read().get(manifest.recordId);
      if (m !== undefined && m.createdAt === manifest.createdAt) return m;
    }
    return undefined;
  }

  /**
   * Folds the log into the manifests once it is over `thresholdBytes` (or a fold was cut short
   * by a crash): renames it aside, hands every state in it to `write` (which makes it the
   * record's manifest, durably), then removes it. Returns how many states were handed over.
   */
  async fold(write: (manifest: RecordManifest) => Promise<void>, thresholdBytes = STATE_LOG_FOLD_BYTES): Promise<number> {
    if (!exists(this.folding.file)) {
      if (sizeOf(this.current.file) <= thresholdBytes) return 0;
      fs.renameSync(this.current.file, this.folding.file);
    }
    const states = [...this.folding.read().values()];
    for (const m of states) await write(m);
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

/** One log file, read incrementally as it grows. */
class LogFile {
  private ino = -1;
  private offset = 0;
  private states = new Map<string, RecordManifest>();

  constructor(readonly file: string) {}

  /** The states in the file now, by record id (the last line of a record wins). */
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
    try {
      const m = JSON.parse(line) as Partial<RecordManifest>;
      if (typeof m === 'object' && m !== null && m.state === RecordState.RolledBack && typeof m.recordId === 'string' && typeof m.createdAt === 'string') {
        this.states.set(m.recordId, m as RecordManifest);
      }
    } catch {
      // torn by a crash: skipped
    }
  }

  private reset(ino: number): void {
    this.ino = ino;
    this.offset = 0;
    this.states = new Map();
  }
}
