/**
 * The snapshot store: a folder that outlives the process, so a rollback can run in another
 * process than the action (a Temporal activity retried on another worker).
 *
 *   <dir>/records/<recordId>.json   one manifest per action (no contents, only hashes)
 *   <dir>/blobs/<ab>/<sha256>       raw bytes, content-addressed: equal content is stored once
 *
 * Every file is written atomically and fsynced (store-files.ts). Blobs are verified against
 * their name when read, so a damaged snapshot is reported, never restored. Records expire
 * `ttl` ms after their last change; `sweep` removes expired records and the blobs no live
 * record needs. The folder is created owner-only (0700): snapshots hold file contents.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentOsError } from '../errors';
import { StoreCorruptError, StoreFailedError } from './errors';
import { isRecordId } from './record-id';
import { RecordState, type RecordManifest } from './record';
import { TMP_SUFFIX, ensureDir, listDir, readIfExists, removeFile, writeFileAtomic } from './store-files';

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
}

/** What one {@link SnapshotStore.sweep} removed. */
export interface SweepResult {
  readonly records: number;
  readonly blobs: number;
}

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

  /** No I/O: the folder is created on the first write. @throws RangeError for a ttl that is not a positive number. */
  constructor(dir: string, options: SnapshotStoreOptions = {}) {
    const ttl = options.ttl ?? DEFAULT_TTL;
    if (typeof ttl !== 'number' || !(ttl > 0)) throw new RangeError('SnapshotStore: ttl must be a positive number of milliseconds');
    const maxRecords = options.maxRecords ?? Infinity;
    if (typeof maxRecords !== 'number' || !(maxRecords >= 0) || (Number.isFinite(maxRecords) && !Number.isSafeInteger(maxRecords))) {
      throw new RangeError('SnapshotStore: maxRecords must be a whole number ≥ 0');
    }
    this.dir = path.resolve(dir);
    this.ttl = ttl;
    this.maxRecords = maxRecords;
  }

  /** Stores `bytes` (once per distinct content) and returns their sha256 (hex). */
  putBlob(bytes: Uint8Array): Promise<string> {
    return guard('storing a snapshot', async () => {
      const digest = createHash('sha256').update(bytes).digest('hex');
      const file = this.blobFile(digest);
      const now = new Date();
      // Already there: refresh its age so a concurrent sweep does not take it.
      if (
        await fs.promises.utimes(file, now, now).then(
          () => true,
          () => false,
        )
      )
        return digest;
      await ensureDir(path.dirname(file));
      await writeFileAtomic(file, bytes);
      return digest;
    });
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

  /** The record with this id, or `undefined`. @throws StoreCorruptError for an unreadable manifest. */
  readRecord(recordId: string): Promise<RecordManifest | undefined> {
    return guard('reading a record', async () => {
      if (!isRecordId(recordId)) return undefined;
      const file = this.recordFile(recordId);
      const text = await readIfExists(file);
      return text === undefined ? undefined : parseManifest(`record ${recordId}`, text, recordId);
    });
  }

  /**
   * Writes (or replaces) a record atomically. With `durable: false` the replacement may be
   * lost in a crash (the previous version survives) — for state changes that a retry or a
   * rollback can tell again from the target itself (`registered`, `applied`, `rolled-back`).
   */
  writeRecord(manifest: RecordManifest, options: { readonly durable?: boolean } = {}): Promise<void> {
    return guard('writing a record', async () => {
      await ensureDir(path.join(this.dir, 'records'));
      const text = `${JSON.stringify(manifest, null, 2)}\n`;
      await writeFileAtomic(this.recordFile(manifest.recordId), text, { syncFolder: options.durable !== false });
    });
  }

  /** Every readable record, oldest first (unreadable manifests are skipped). */
  listRecords(): Promise<RecordManifest[]> {
    return guard('listing records', async () => {
      const out: RecordManifest[] = [];
      for (const name of await listDir(path.join(this.dir, 'records'))) {
        const id = name.endsWith('.json') ? name.slice(0, -5) : '';
        const m = isRecordId(id) ? await this.readRecord(id).catch(() => undefined) : undefined;
        if (m !== undefined) out.push(m);
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
        if (this.isExpired(m, now)) records += (await removeFile(this.recordFile(m.recordId))) ? 1 : 0;
        else kept.push(m);
      }
      const settled = kept
        .filter((m) => m.state !== RecordState.Registered && m.state !== RecordState.Pending)
        .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
      const evict = new Set(settled.slice(0, Math.max(0, settled.length - this.maxRecords)).map((m) => m.recordId));
      for (const m of kept) {
        if (evict.has(m.recordId)) records += (await removeFile(this.recordFile(m.recordId))) ? 1 : 0;
        else for (const b of m.snapshot?.blobs ?? []) live.add(b);
      }
      await this.removeStale(recordsDir, (n) => n.endsWith(TMP_SUFFIX), now);
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

  private blobFile(digest: string): string {
    return path.join(this.dir, 'blobs', digest.slice(0, 2), digest);
  }

  private recordFile(recordId: string): string {
    return path.join(this.dir, 'records', `${recordId}.json`);
  }
}

function parseManifest(item: string, text: Buffer, recordId: string): RecordManifest {
  let m: Partial<RecordManifest>;
  try {
    m = JSON.parse(text.toString('utf8')) as Partial<RecordManifest>;
  } catch (cause) {
    throw new StoreCorruptError(item, 'not JSON', { cause });
  }
  const ok =
    typeof m === 'object' &&
    m !== null &&
    m.version === 1 &&
    m.recordId === recordId &&
    STATES.has(m.state as string) &&
    typeof m.strategy === 'string' &&
    typeof m.action === 'string' &&
    typeof m.target === 'string' &&
    typeof m.updatedAt === 'string';
  if (!ok) throw new StoreCorruptError(item, 'not a version 1 record manifest for this id');
  return m as RecordManifest;
}

async function guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof AgentOsError ? err : new StoreFailedError(operation, { cause: err });
  }
}
