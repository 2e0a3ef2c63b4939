/** What the layer's procedures (apply.ts, rollback.ts) share: the kernel, the store, the strategies and a per-record lock. */
import type { Kernel } from '../kernel/kernel';
import type { ActionResult } from '../kernel/types';
import type { SnapshotStore } from './snapshot-store';
import type { ReversibleStrategy } from './strategies';
import { errorCode } from '../errors';
import { ReversibleCode } from './errors';

/** The layer as its procedures see it. */
export interface LayerContext {
  readonly kernel: Pick<Kernel, 'submit' | 'submitUndo'>;
  readonly store: SnapshotStore;
  readonly strategies: readonly ReversibleStrategy[];
  /** Runs `fn` after every earlier call for the same record in this layer has finished. */
  locked<T>(recordId: string, fn: () => Promise<T>): Promise<T>;
  /** Resolves once every call running or queued now (on any record) has finished. */
  idle(): Promise<void>;
  /**
   * Waits for the turn on a canonical target (from a snapshot to the effect it protects, or
   * from an undo's probe to its restore) and answers its release: reversible actions and undos
   * on one target in this layer take effect one after another, each seeing what the one
   * before it left.
   */
  targetTurn(target: string): Promise<() => void>;
}

/** An `ERROR` result for a typed failure (or an internal one). */
export function errorResult(err: unknown, extra: Partial<ActionResult> = {}): ActionResult {
  const code = errorCode(err, ReversibleCode.Internal);
  const message = code === ReversibleCode.Internal ? 'internal error of the reversible layer' : (err as Error).message;
  return { status: 'ERROR', error: message, code, ...extra };
}

/** Serialises calls per key; entries are dropped once their chain is idle. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves with the release of `key`'s turn once every earlier holder of it released it. */
  acquire(key: string): Promise<() => void> {
    return new Promise((entered) => {
      void this.run(key, () => new Promise<void>((release) => entered(() => release())));
    });
  }

  /** Resolves once every chain running or queued now has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
