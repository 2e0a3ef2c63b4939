/**
 * A record file one attempt created and keeps open until it is done (`SnapshotStore.createRecord`):
 * its later states are appended through the same descriptor, and whether anyone else wrote to
 * the record since (a revoke from another worker) is one `fstat(2)` — the file's size is still
 * what this attempt wrote — instead of reading and parsing the record again by name. Per
 * reversible write that saves the record's second read and two opens (docs/performance.md,
 * round 5).
 *
 * The descriptor is only a shortcut to the file the name held when it was created: if the name
 * no longer leads to it (`nlink` 0: a sweep removed the record), nothing is appended to the
 * orphan — the caller goes back to the name (see {@link OpenRecord.linked}).
 */
import fs from 'node:fs';
import { syncFileAndFolder } from './store-files';

export class OpenRecord {
  private fd: number | undefined;

  /**
   * @param fd the record file, opened `O_WRONLY | O_APPEND` by its creator
   * @param size the bytes written through it so far (the whole file: it was created empty)
   */
  constructor(
    fd: number,
    private size: number,
  ) {
    this.fd = fd;
  }

  /** True if the file still has its name and holds exactly the states this attempt wrote. */
  unchanged(): boolean {
    const st = this.stat();
    return st !== undefined && st.nlink > 0 && st.size === this.size;
  }

  /** True if the file still has its name (a state appended through it is then found by name). */
  linked(): boolean {
    return (this.stat()?.nlink ?? 0) > 0;
  }

  /** Appends one state's bytes: one `write(2)`, not fsynced. */
  write(bytes: Buffer): void {
    const n = fs.writeSync(this.descriptor(), bytes);
    this.size += n;
    if (n !== bytes.length) throw new Error('short append to a record file'); // the torn line is skipped by readers
  }

  /**
   * Appends one state's bytes now (or throws); with `syncFolder`, the file's fdatasync and
   * `syncFolder()` then run at once, and the returned promise settles when both have. Keep
   * the file open until it has.
   */
  appendStarted(bytes: Buffer, syncFolder: (() => Promise<void>) | undefined): Promise<void> {
    this.write(bytes);
    if (syncFolder === undefined) return Promise.resolve();
    const fd = this.descriptor();
    return syncFileAndFolder(fd, syncFolder);
  }

  /** Closes the file; later calls are no-ops. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fs.closeSync(fd);
  }

  private stat(): fs.Stats | undefined {
    return this.fd === undefined ? undefined : fs.fstatSync(this.fd);
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error('record file already closed');
    return this.fd;
  }
}
