/**
 * The snapshot store: a folder that outlives the process, so a rollback can run in another
 * process than the action (a Temporal activity retried on another worker).
 *
 *   <dir>/records/<recordId>.json   one file per action: its states, appended (record-file.ts; see writeRecord)
 *   <dir>/blobs/<ab>/<sha256>       raw bytes, content-addressed: equal content is stored once
 *
 * A record holds hashes of file contents, and the contents themselves only for snapshots of up
 * to 16 KiB (record-blobs.ts); bigger ones are blobs. Blobs are written atomically and fsynced
 * (store-files.ts); a record's states are fsynced as each needs (see writeRecord). A store
 * written by an earlier version may still hold single-manifest `records/<recordId>.json` files
 * and `records/<recordId>.registered` markers: they are read (later states are appended to the
 * manifest's file), and removed with their records; its `rolled-back.log` (and the
 * `.folding` log a fold cut short left) is read for those manifests only — a record it says
 * was rolled back stays rolled back, else a second rollback would restore over a later write
 * of the same bytes — and removed by `sweep` once older than the ttl (its records are expired
 * by then: each was changed before its line). Blobs are verified against
 * their name when read, so a damaged snapshot is reported, never restored. Records expire
 * `ttl` ms after their last change; `sweep` removes expired records and the blobs no live
 * record needs. The folder is created owner-only (0700): snapshots hold file contents.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AgentOsError } from '../errors';
import { StoreCorruptError, StoreFailedError } from './errors';
import { isRecordId } from './record-id';
import { Durability } from '../providers/fs-write';
import { RecordState, type RecordManifest } from './record';
import { TMP_SUFFIX, ensureDir, listDir, readIfExists, removeFile, syncDir, syncFileAndFolder, writeFileAtomic } from './store-files';
import { RECORD_SUFFIX, appendState, createStateFile, latestState, readRecordFile, stateLine } from './record-file';
import type { OpenRecord } from './open-record';

/** Options of {@link SnapshotStore}. */
export interface SnapshotStoreOptions {
  /** Milliseconds a record (and its snapshot) is kept after its last change; default 7 days. */
  readonly ttl?: number;
  /**
   * Retention by count: `sweep` keeps at most this many settled records (applied, rolled
   * back or revoked), removing the least recently changed first; their actions can no
   * longer be undone. The blobs only they used go once unreferenced and older than the ttl
   * (as every blob). In-flight records (registered, pending) are never removed by count.
   * Default: no limit (only `ttl`).
   */
  readonly maxRecords?: number;
  /**
   * How far the store's files and the layer's restores are flushed: `'full'` (default) fsyncs
   * every record, blob and restored file (and their folders) as described per method; `'os'`
   * fsyncs nothing, like a `FilesystemProvider` with `durability: 'os'` — every file is still
   * written atomically (temp file + rename), so it survives a crash of the process, not a
   * power cut. Use it together with such a provider.
   */
  readonly durability?: Durability;
}

/** What one {@link SnapshotStore.sweep} removed. */
export interface SweepResult {
  readonly records: number;
  readonly blobs: number;
}

/** Suffix of a record's `registered` marker in a store written by an earlier version. */
const MARKER_SUFFIX = '.registered';
/** The state log of an earlier version (`rolled-back.log`, and `.folding` while folded): removed by `sweep` once older than the ttl. */
const LEGACY_STATE_LOG = 'rolled-back.log';
const DEFAULT_TTL = 7 * 24 * 3600 * 1000;
const DIGEST = /^[0-9a-f]{64}$/;
const STATES: ReadonlySet<string> = new Set(Object.values(RecordState));

/**
 * Content-addressed snapshot blobs and per-record manifests in one folder.
 * @example
 * const store = new SnapshotStore('.snapshots', { ttl: 24 * 3600 * 1000 });
 */
export class SnapshotStore {
  /** The store's folder (absolute). */
  readonly dir: string;
  /** Lifetime of a record after its last change, in ms. */
  readonly ttl: number;
  /** Settled records kept at most (see {@link SnapshotStoreOptions.maxRecords}). */
  readonly maxRecords: number;
  /** How far its files and the layer's restores are flushed (see {@link SnapshotStoreOptions.durability}). */
  readonly durability: Durability;

  /** No I/O: the folder is created on the first write. @throws RangeError for a ttl that is not a positive number. */
  constructor(dir: string, options: SnapshotStoreOptions = {}) {
    const ttl = options.ttl ?? DEFAULT_TTL;
    if (typeof ttl !== 'number' || !(ttl > 0)) throw new RangeError('SnapshotStore: ttl must be a positive number of milliseconds');
    const maxRecords = options.maxRecords ?? Infinity;
    if (typeof maxRecords !== 'number' || !(maxRecords >= 0) || (Number.isFinite(maxRecords) && !Number.isSafeInteger(maxRecords))) {
      throw new RangeError('SnapshotStore: maxRecords must be a whole number ≥ 0');
    }
    const durability: unknown = options.durability ?? Durability.Full;
    if (durability !== Durability.Full && durability !== Durability.Os) throw new RangeError('SnapshotStore: durability must be "full" or "os"');
    this.dir = path.resolve(dir);
    this.ttl = ttl;
    this.maxRecords = maxRecords;
    this.durability = durability;
  }

  /** Stores `bytes` (once per distinct content) and returns their sha256 (hex). */
  putBlob(bytes: Uint8Array): Promise<string> {
    return guard('storing a snapshot', async () => {
      const digest = createHash('sha256').update(bytes).digest('hex');
      const file = this.blobFile(digest);
      // Already there: refresh its age so a concurrent sweep does not take it.
      if (this.touchBlob(digest)) return digest;
      await ensureDir(path.dirname(file));
      await writeFileAtomic(file, bytes, this.flush(true));
      return digest;
    });
  }

  /** True if the blob `digest` is stored (its age then refreshed, as `putBlob` does); one `utimes(2)`. */
  touchBlob(digest: string): boolean {
    return DIGEST.test(digest) && refreshed(this.blobFile(digest), new Date());
  }

  /** The bytes of a blob, verified against its digest. @throws StoreCorruptError when missing or damaged. */
  getBlob(digest: string): Promise<Buffer> {
    return guard('reading a snapshot', async () => {
      if (!DIGEST.test(digest)) throw new StoreCorruptError(digest, 'not a sha256 digest');
      const file = this.blobFile(digest);
      const bytes = await readIfExists(file);
      if (bytes === undefined) throw new StoreCorruptError(`blob ${digest}`, 'the snapshot blob is missing');
      if (createHash('sha256').update(bytes).digest('hex') !== digest) throw new StoreCorruptError(`blob ${digest}`, 'content does not match its hash');
      return bytes;
    });
  }

  /**
   * The record with this id, or `undefined` (never written, or not past a `registered` line a
   * crash tore: the attempt never started). @throws StoreCorruptError for an unreadable
   * manifest of an older store.
   */
  readRecord(recordId: string): Promise<RecordManifest | undefined> {
    return guard('reading a record', async () => {
      if (!isRecordId(recordId)) return undefined;
      const text = await readIfExists(this.recordFile(recordId));
      if (text === undefined) return this.readMarker(recordId);
      const file = readRecordFile(text);
      // A line that parses is a whole line as written: one that is not a state of this record (a later version's, another
      // record's) is reported, never skipped — skipping it could make a real action read as one that never took effect.
      const states = file.states.map((m) => {
        if (!isManifest(m, recordId)) throw new StoreCorruptError(`record ${recordId}`, 'a line that is not a version 1 state of this record');
        return m;
      });
      if (file.legacy !== undefined) {
        const legacy = parseManifest(`record ${recordId}`, file.legacy, recordId);
        // The log outlived sweeps: only its lines of this manifest's record (same createdAt, as that version read them).
        const logged = legacy.state === RecordState.Applied || legacy.state === RecordState.Pending ? await this.legacyRolledBack(legacy) : [];
        states.unshift(legacy, ...logged); // written before its lines
      }
      return latestState(states);
    });
  }

  /**
   * Appends a state to the record's file (record-file.ts), created by its first state: one
   * `write(2)`, no new file after the first. `registered` is never fsynced (after a crash a
   * lost or torn line means what it says: the attempt never started). Other states are fsynced
   * with the records folder before this resolves, unless `durable: false` (for state changes
   * that a retry or a rollback can tell again from the target itself: `applied`,
   * `rolled-back`; a crash may lose them, leaving the state before) or the store's durability
   * is `'os'`. Inline blobs are written with the state that brings them (`pending`) only.
   */
  async writeRecord(manifest: RecordManifest, options: { readonly durable?: boolean; readonly open?: OpenRecord } = {}): Promise<void> {
    await (
      await this.startRecordWrite(manifest, options)
    ).durable;
  }

  /**
   * {@link writeRecord}, resolving as soon as the state is written: its fsyncs (if any) are
   * then `durable`, which settles when they have — so the caller can prepare the state's
   * effect meanwhile. Await `durable` before the effect, and before closing `open`.
   */
  startRecordWrite(
    manifest: RecordManifest,
    options: { readonly durable?: boolean; readonly open?: OpenRecord } = {},
  ): Promise<{ readonly durable: Promise<void> }> {
    return guard('writing a record', async () => {
      const dir = path.join(this.dir, 'records');
      const sync = manifest.state !== RecordState.Registered && options.durable !== false && this.durability === Durability.Full;
      const line = manifest.state === RecordState.Pending || manifest.inlineBlobs === undefined ? manifest : withoutInline(manifest);
      // The attempt's own descriptor while the file still has its name; else by name (a sweep removed it: re-created).
      if (options.open?.linked() === true) {
        const synced = options.open.appendStarted(stateLine(line), sync ? () => syncDir(dir) : undefined);
        return { durable: guard('writing a record', () => synced) };
      }
      await withFolder(dir, () => appendState(this.recordFile(manifest.recordId), dir, line, sync));
      return { durable: Promise.resolve() };
    });
  }

  /**
   * Makes a record's file, as it is now, durable (at full durability: the file's fdatasync and
   * its folder's fsync at once; nothing with `'os'`) — for an attempt that found the record
   * `pending` and runs its action: another worker's fsync of that state may still be running,
   * or may have failed.
   */
  syncRecord(recordId: string): Promise<void> {
    return guard('syncing a record', async () => {
      if (this.durability !== Durability.Full) return;
      const fd = fs.openSync(this.recordFile(recordId), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      try {
        await syncFileAndFolder(fd, () => syncDir(path.join(this.dir, 'records')));
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  /**
   * Creates the record's file with its first state (`registered`, never fsynced, as
   * {@link writeRecord}) and returns it open for the attempt's later states (pass it to
   * `writeRecord` as `open`; close it when done); `undefined` if the record exists already
   * (a retry, an attempt on another worker, a `registered` marker of an earlier version) —
   * read it with {@link readRecord} then.
   */
  createRecord(manifest: RecordManifest): Promise<OpenRecord | undefined> {
    return guard('writing a record', async () => {
      if (manifest.state !== RecordState.Registered) throw new Error('createRecord: a record starts as registered');
      if (fs.existsSync(this.markerFile(manifest.recordId))) return undefined;
      const dir = path.join(this.dir, 'records');
      return withFolder(dir, async () => createStateFile(this.recordFile(manifest.recordId), manifest));
    });
  }

  /**
   * Every readable record, oldest first (unreadable ones are skipped), without its inline
   * snapshot bytes (up to 16 KiB each, kept for `readRecord`): a sweep holds every record.
   */
  listRecords(): Promise<RecordManifest[]> {
    return guard('listing records', async () => {
      const out: RecordManifest[] = [];
      const ids = new Set<string>();
      for (const name of await listDir(path.join(this.dir, 'records'))) {
        const id = name.endsWith(RECORD_SUFFIX)
          ? name.slice(0, -RECORD_SUFFIX.length)
          : name.endsWith(MARKER_SUFFIX)
            ? name.slice(0, -MARKER_SUFFIX.length)
            : '';
        if (isRecordId(id)) ids.add(id);
      }
      for (const id of ids) {
        const m = await this.readRecord(id).catch(() => undefined);
        if (m !== undefined) out.push(m.inlineBlobs === undefined ? m : withoutInline(m));
      }
      return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    });
  }

  /** True if `manifest` outlived the ttl at `now` (ms since the epoch). */
  isExpired(manifest: RecordManifest, now = Date.now()): boolean {
    return Date.parse(manifest.updatedAt) + this.ttl < now;
  }

  /**
   * Removes expired records and, beyond `maxRecords`, the least recently changed settled
   * ones; then blobs no remaining record needs and temp files left by crashes, once they are
   * older than the ttl themselves (so a blob being stored for a record not yet written is
   * never taken, and a blob an old record shared with a new one is never lost: content is
   * stored once, and storing it again refreshes its age).
   */
  sweep(options: { readonly now?: number } = {}): Promise<SweepResult> {
    return guard('sweeping', async () => {
      const now = options.now ?? Date.now();
      const live = new Set<string>();
      let records = 0;
      const recordsDir = path.join(this.dir, 'records');
      const kept: RecordManifest[] = [];
      for (const m of await this.listRecords()) {
        if (this.isExpired(m, now)) records += (await this.removeRecord(m.recordId)) ? 1 : 0;
        else kept.push(m);
      }
      const settled = kept
        .filter((m) => m.state !== RecordState.Registered && m.state !== RecordState.Pending)
        .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
      const evict = new Set(settled.slice(0, Math.max(0, settled.length - this.maxRecords)).map((m) => m.recordId));
      for (const m of kept) {
        if (evict.has(m.recordId)) records += (await this.removeRecord(m.recordId)) ? 1 : 0;
        else for (const b of m.snapshot?.blobs ?? []) live.add(b);
      }
      await this.removeStale(recordsDir, (n) => n.endsWith(TMP_SUFFIX) || n.startsWith(LEGACY_STATE_LOG), now);
      let blobs = 0;
      const blobsDir = path.join(this.dir, 'blobs');
      for (const sub of await listDir(blobsDir)) {
        blobs += await this.removeStale(path.join(blobsDir, sub), (n) => !live.has(n), now);
      }
      return { records, blobs };
    });
  }

  private async removeStale(dir: string, candidate: (name: string) => boolean, now: number): Promise<number> {
    let removed = 0;
    for (const name of await listDir(dir)) {
      if (!candidate(name)) continue;
      const file = path.join(dir, name);
      const st = await fs.promises.lstat(file).catch(() => undefined);
      if (st?.isFile() === true && st.mtimeMs + this.ttl < now && (await removeFile(file))) removed += name.endsWith(TMP_SUFFIX) ? 0 : 1;
    }
    return removed;
  }

  /** The fsyncs of one store file: none with durability 'os'; else the file, and its folder when `durable`. */
  private flush(durable: boolean): { readonly syncFile: boolean; readonly syncFolder: boolean } {
    const full = this.durability === Durability.Full;
    return { syncFile: full, syncFolder: full && durable };
  }

  private blobFile(digest: string): string {
    return path.join(this.dir, 'blobs', digest.slice(0, 2), digest);
  }

  /** Removes a record's files; true if there was one. */
  private async removeRecord(recordId: string): Promise<boolean> {
    const json = await removeFile(this.recordFile(recordId));
    const marker = await removeFile(this.markerFile(recordId));
    return json || marker;
  }

  /** A `registered` marker of a store written before the state log held `registered`, unless a crash left it torn. */
  private async readMarker(recordId: string): Promise<RecordManifest | undefined> {
    const marker = await readIfExists(this.markerFile(recordId));
    if (marker === undefined) return undefined;
    try {
      const m = parseManifest(`record ${recordId}`, marker, recordId);
      return m.state === RecordState.Registered ? m : undefined;
    } catch {
      return undefined;
    }
  }

  /** The `rolled-back` states of `manifest`'s record in the state log of an earlier version, and in the log it was folding. */
  private async legacyRolledBack(manifest: RecordManifest): Promise<RecordManifest[]> {
    const { recordId, createdAt } = manifest;
    const out: RecordManifest[] = [];
    for (const name of [LEGACY_STATE_LOG, `${LEGACY_STATE_LOG}.folding`]) {
      const text = await readIfExists(path.join(this.dir, 'records', name));
      for (const m of text === undefined ? [] : readRecordFile(text).states) {
        if (isManifest(m, recordId) && m.state === RecordState.RolledBack && m.createdAt === createdAt) out.push(m);
      }
    }
    return out;
  }

  private markerFile(recordId: string): string {
    return path.join(this.dir, 'records', `${recordId}${MARKER_SUFFIX}`);
  }

  private recordFile(recordId: string): string {
    return path.join(this.dir, 'records', `${recordId}${RECORD_SUFFIX}`);
  }
}

/** Runs `fn`, which writes into the folder `dir`; if that is missing, creates it (owner only) and runs `fn` again. */
async function withFolder<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await ensureDir(dir);
    return fn();
  }
}

/** `m` without its inline blobs (the record's `pending` line keeps them). */
function withoutInline(m: RecordManifest): RecordManifest {
  const { inlineBlobs: _kept, ...rest } = m;
  return rest;
}

/** Sets a file's times to `now`; false if it is not there (one `utimes(2)`). */
function refreshed(file: string, now: Date): boolean {
  try {
    fs.utimesSync(file, now, now);
    return true;
  } catch {
    return false;
  }
}

function parseManifest(item: string, text: Buffer, recordId: string): RecordManifest {
  let m: Partial<RecordManifest>;
  try {
    m = JSON.parse(text.toString('utf8')) as Partial<RecordManifest>;
  } catch (cause) {
    throw new StoreCorruptError(item, 'not JSON', { cause });
  }
  if (!isManifest(m, recordId)) throw new StoreCorruptError(item, 'not a version 1 record manifest for this id');
  return m;
}

function isManifest(m: Partial<RecordManifest>, recordId: string): m is RecordManifest {
  return (
    typeof m === 'object' &&
    m !== null &&
    m.version === 1 &&
    m.recordId === recordId &&
    STATES.has(m.state as string) &&
    typeof m.strategy === 'string' &&
    typeof m.action === 'string' &&
    typeof m.target === 'string' &&
    typeof m.updatedAt === 'string' &&
    typeof m.createdAt === 'string'
  );
}

async function guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof AgentOsError ? err : new StoreFailedError(operation, { cause: err });
  }
}
