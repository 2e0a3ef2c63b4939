/**
 * The blobs of one record as a strategy sees them ({@link BlobStore}): a small snapshot
 * (up to {@link INLINE_BLOB_BYTES}) is kept in the
 * record's manifest (`inlineBlobs`, base64) instead of a blob file of its own, so a
 * reversible write of a small file creates one store file (its record file), not two —
 * creating a file (a new inode) costs 20–50 µs of CPU on this machine when it is quiet and up
 * to 0.6 ms while other processes create files too (docs/performance.md, rounds 4 and 5), and
 * at full durability each file costs two fsyncs. Bigger snapshots go to the store's
 * content-addressed blobs. Inline bytes are verified against their digest when read,
 * like blob files.
 */
import { createHash } from 'node:crypto';
import type { RecordManifest } from './record';
import { StoreCorruptError } from './errors';
import type { BlobStore } from './strategies';
import type { SnapshotStore } from './snapshot-store';

/** Largest snapshot kept inline in its record's manifest. */
export const INLINE_BLOB_BYTES = 16 * 1024;

/** A {@link BlobStore} over the store for one record: `record` when reading (rollback), none when capturing. */
export class RecordBlobs implements BlobStore {
  readonly durability: SnapshotStore['durability'];
  private readonly kept = new Map<string, Buffer>();

  constructor(
    private readonly store: SnapshotStore,
    private readonly record?: RecordManifest,
  ) {
    this.durability = store.durability;
  }

  /**
   * Keeps small content for the manifest, even if a blob file holds it too (an earlier version
   * stored small content as blobs): looking for one cost a failing `utimes(2)` and its thrown
   * error per write, ~7 % of a reversible write's CPU (docs/performance.md, round 5), to save
   * at most 16 KiB. Stores the rest in the store.
   */
  async putBlob(bytes: Uint8Array): Promise<string> {
    if (bytes.length > INLINE_BLOB_BYTES) return this.store.putBlob(bytes);
    const digest = createHash('sha256').update(bytes).digest('hex');
    this.kept.set(digest, Buffer.from(bytes));
    return digest;
  }

  /** The bytes of `digest`: inline in the record (verified), kept by this capture, or from the store. */
  async getBlob(digest: string): Promise<Buffer> {
    const inline = this.record?.inlineBlobs?.[digest];
    if (inline !== undefined) {
      const bytes = Buffer.from(inline, 'base64');
      if (createHash('sha256').update(bytes).digest('hex') !== digest)
        throw new StoreCorruptError(`record ${this.record?.recordId ?? ''}`, `inline snapshot ${digest} does not match its hash`);
      return bytes;
    }
    return this.kept.get(digest) ?? this.store.getBlob(digest);
  }

  /** The manifest field for the blobs kept inline that `needed` names (`{}` when none). */
  manifestField(needed: readonly string[]): Pick<RecordManifest, 'inlineBlobs'> {
    const inline: Record<string, string> = {};
    for (const digest of needed) {
      const bytes = this.kept.get(digest);
      if (bytes !== undefined) inline[digest] = bytes.toString('base64');
    }
    return Object.keys(inline).length === 0 ? {} : { inlineBlobs: inline };
  }
}
