/**
 * Strategies: how one kind of action is snapshotted before it runs and undone afterwards.
 * The layer picks the first strategy that `covers` a request; add your own by implementing
 * {@link ReversibleStrategy} (its `name` is stored in each record, so keep it stable).
 *
 * All methods run inside the kernel — `capture` in `Kernel.submit`'s `beforeExecute` hook
 * (after the policy allowed the action), `probe` and `restore` in `Kernel.submitUndo` — and
 * act only on `step.request.canonicalTarget`, the target the policy judged.
 */
import { FsInvalidParamError } from '../providers/fs-errors';
import { countOption } from '../providers/count-option';
import type { ActionRequest, ExecutionStep, HostLocation } from '../kernel/types';
import { hasErrorCode } from '../errors';
import { DEFAULT_FILE_MODE, type Durability } from '../providers/fs-write';
import { UnsupportedTargetError } from './errors';
import { ABSENT, fileState, missingFolders, readTarget, removeEmptyFolders, removeTarget, writeTarget } from './fs-target';
import type { Snapshot, TargetState } from './record';

/** How a rollback put the prior state back. */
export const Restored = { Content: 'content', Removed: 'removed', Recreated: 'recreated' } as const;
export type Restored = (typeof Restored)[keyof typeof Restored];

/** The blob half of the snapshot store, as strategies see it. */
export interface BlobStore {
  putBlob(bytes: Uint8Array): Promise<string>;
  getBlob(digest: string): Promise<Buffer>;
  /** How far restores are flushed (the store's setting; default `'full'`). */
  readonly durability?: Durability;
}

/** Snapshots and undoes one kind of action. */
export interface ReversibleStrategy {
  /** Stable name, stored in every record this strategy makes. */
  readonly name: string;
  /** True if this strategy handles `request` (pure; looks at the action name). */
  covers(request: ActionRequest): boolean;
  /** Records the target's prior state (bytes into `blobs`) and the state the action will leave. */
  capture(step: ExecutionStep, blobs: BlobStore): Promise<Snapshot>;
  /**
   * The target's state now (read-only). With `against` (the states it will be compared with),
   * a target that cannot be any of them may be described without reading it all (the
   * filesystem strategies do so for a file larger than all of them).
   */
  probe(step: ExecutionStep, against?: readonly TargetState[]): Promise<TargetState>;
  /** Puts `snapshot.before` back. */
  restore(step: ExecutionStep, snapshot: Snapshot, blobs: BlobStore): Promise<Restored>;
}

/** Options of the filesystem strategies. */
export interface FsSnapshotOptions {
  /** Largest file snapshotted; a bigger target makes the action fail (`Reversible.SnapshotTooLarge`) instead of running unprotected. Default 64 MiB. */
  readonly maxBytes?: number;
}

/** Shared by the filesystem strategies: bytes and mode of one regular file, or its absence. */
abstract class FsSnapshotStrategy implements ReversibleStrategy {
  abstract readonly name: string;
  protected abstract readonly action: string;
  private readonly maxBytes: number;

  /** @throws FsInvalidParamError for a `maxBytes` that is not a whole number ≥ 0 (NaN was no cap: every file snapshotted whole, into memory). */
  constructor(options: FsSnapshotOptions = {}) {
    const maxBytes = countOption(options.maxBytes, 64 * 1024 * 1024);
    if (maxBytes === undefined)
      throw new FsInvalidParamError('maxBytes', 'a snapshot strategy option: a whole number of bytes ≥ 0 (NaN would be no cap at all)');
    this.maxBytes = maxBytes;
  }

  covers(request: ActionRequest): boolean {
    return request.action === this.action;
  }

  async capture(step: ExecutionStep, blobs: BlobStore): Promise<Snapshot> {
    const loc = locate(step);
    const target = step.request.canonicalTarget;
    const { state: before, bytes } = await readTarget(loc, target, this.maxBytes).catch((err: unknown) => {
      throw hasErrorCode(err, 'Fs.WrongType') ? new UnsupportedTargetError(target, 'only regular files are snapshotted') : err;
    });
    const digests = bytes === undefined ? [] : [await blobs.putBlob(bytes)];
    const createdFolders = before.kind === 'absent' ? await missingFolders(loc, target) : 0;
    return { before, after: this.after(step, before), blobs: digests, detail: { createdFolders } };
  }

  /**
   * Reads at most as many bytes as the largest file among `against` holds (without it, the
   * strategy's `maxBytes`): a larger file — a sparse file of a terabyte a program made with one
   * `truncate`, one that keeps growing — is described by its size and mode alone, a state
   * that equals no snapshot, so the undo answers `CONFLICT` instead of reading it all on the
   * worker's thread pool past its deadline (red team 14).
   */
  async probe(step: ExecutionStep, against?: readonly TargetState[]): Promise<TargetState> {
    const limit =
      against === undefined ? this.maxBytes : Math.max(0, ...against.map((s) => (s.kind === 'file' && typeof s['size'] === 'number' ? s['size'] : 0)));
    return (await readTarget(locate(step), step.request.canonicalTarget, undefined, limit)).state;
  }

  async restore(step: ExecutionStep, snapshot: Snapshot, blobs: BlobStore): Promise<Restored> {
    const loc = locate(step);
    const target = step.request.canonicalTarget;
    const { before } = snapshot;
    if (before.kind === 'absent') {
      await removeTarget(loc, target).catch((err: unknown) => {
        if (!hasErrorCode(err, 'Fs.NotFound')) throw err;
      });
      const created = snapshot.detail?.['createdFolders'];
      await removeEmptyFolders(loc, target, typeof created === 'number' ? created : 0);
      return Restored.Removed;
    }
    const bytes = await blobs.getBlob(String(before['sha256']));
    await writeTarget(loc, target, bytes, Number(before['mode']), blobs.durability);
    return snapshot.after.kind === 'absent' ? Restored.Recreated : Restored.Content;
  }

  /** The state the action leaves the target in. */
  protected abstract after(step: ExecutionStep, before: TargetState): TargetState;
}

/**
 * Snapshots the file an `fs.write` replaces (bytes and mode, or that it did not exist and
 * which folders the write creates); rollback restores it, or removes the new file and
 * those folders if they are empty again.
 * @example
 * new ReversibleActionLayer({ kernel, strategies: [new FsWriteSnapshotStrategy()], store });
 */
export class FsWriteSnapshotStrategy extends FsSnapshotStrategy {
  readonly name = 'fs.write-snapshot';
  protected readonly action = 'fs.write';

  protected after(step: ExecutionStep, before: TargetState): TargetState {
    const { content, encoding, mode } = step.request.params;
    if (typeof content !== 'string') throw new FsInvalidParamError('content', 'a string is required');
    const bytes = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8');
    const prior = before.kind === 'file' ? Number(before['mode']) : DEFAULT_FILE_MODE;
    return fileState(bytes, typeof mode === 'number' ? mode : prior);
  }
}

/** Snapshots the file an `fs.delete` removes; rollback recreates it with its bytes and mode. Directories are refused. */
export class FsDeleteSnapshotStrategy extends FsSnapshotStrategy {
  readonly name = 'fs.delete-snapshot';
  protected readonly action = 'fs.delete';

  protected after(): TargetState {
    return ABSENT;
  }
}

function locate(step: ExecutionStep): HostLocation {
  const loc = step.provider.locate?.(step.request.canonicalTarget);
  if (loc === undefined) throw new UnsupportedTargetError(step.request.canonicalTarget, `provider "${step.provider.name}" does not say where its targets live`);
  return loc;
}
