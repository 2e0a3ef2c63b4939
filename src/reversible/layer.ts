/**
 * The reversible action layer (the seed's `ReversibleActionLayer`): wraps a kernel so that
 * every action a strategy covers is snapshotted before it runs and can be undone exactly,
 * once, by `rollback(recordId)` — also from another process over the same store.
 *
 * Both paths go through the kernel: the action is decided and audited by `Kernel.submit`
 * (the snapshot is taken in its `beforeExecute` hook, so only allowed actions are
 * snapshotted, and only the canonical target the policy judged); the undo is authorised by
 * the action's own decision and audited by `Kernel.submitUndo` with `undo_of`.
 */
import type { Kernel } from '../kernel/kernel';
import type { ActionRequest, ActionResult, SubmitOptions } from '../kernel/types';
import { applyReversible } from './apply';
import { validateRequest } from '../kernel/request';
import { KeyedLock, type LayerContext } from './context';
import { summarize, type RecordSummary } from './record';
import { type RollbackOptions, type RollbackResult, rollbackBatch, rollbackRecord } from './rollback';
import type { SnapshotStore } from './snapshot-store';
import type { ReversibleStrategy } from './strategies';

/** Options of {@link ReversibleActionLayer}. */
export interface ReversibleActionLayerOptions {
  /** The kernel every action and undo goes through. */
  readonly kernel: Pick<Kernel, 'submit' | 'submitUndo'>;
  /** Strategies, asked in order; the first that covers a request snapshots it. Names must be unique. */
  readonly strategies: readonly ReversibleStrategy[];
  /** Where records and snapshots are kept. */
  readonly store: SnapshotStore;
}

/**
 * Snapshots covered actions before they run and rolls them back on request.
 * @example
 * const layer = new ReversibleActionLayer({
 *   kernel,
 *   strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
 *   store: new SnapshotStore('.snapshots'),
 * });
 * const result = await layer.submit({ action: 'fs.write', target: '/workspace/output/report.md', params: { content: 'new content' } });
 * const undo = await layer.rollback(result.recordId as string); // undo.status === 'OK'
 */
export class ReversibleActionLayer {
  private ctx: LayerContext;
  /** Shared with every {@link ReversibleActionLayer.forKernel} view: the store is swept once, then again every tenth of its ttl (at most hourly). */
  private shared: { swept?: Promise<unknown>; sweptAt: number; readonly views: WeakMap<object, ReversibleActionLayer> } = { sweptAt: 0, views: new WeakMap() };

  /** @throws TypeError when two strategies share a name. */
  constructor(options: ReversibleActionLayerOptions) {
    const names = options.strategies.map((s) => s.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new TypeError(`ReversibleActionLayer: two strategies are named ${JSON.stringify(dup)}`);
    const lock = new KeyedLock();
    const turns = new KeyedLock();
    this.ctx = {
      kernel: options.kernel,
      store: options.store,
      strategies: [...options.strategies],
      locked: (id, fn) => lock.run(id, fn),
      idle: () => lock.idle(),
      targetTurn: (target) => turns.acquire(target),
    };
  }

  /**
   * The same layer — store, strategies and record locks — over another kernel, e.g. a run's
   * narrowed view of the worker's kernel (a run with its own policy). Records land in the
   * same store, so either layer rolls them back. One view per kernel (cached).
   * @example
   * const runLayer = layer.forKernel(kernel.narrowed([runPolicy]));
   */
  forKernel(kernel: Pick<Kernel, 'submit' | 'submitUndo'>): ReversibleActionLayer {
    if (kernel === this.ctx.kernel) return this;
    let view = this.shared.views.get(kernel);
    if (view === undefined) {
      view = new ReversibleActionLayer({ kernel, strategies: this.ctx.strategies, store: this.ctx.store });
      view.ctx = { ...this.ctx, kernel };
      view.shared = this.shared;
      this.shared.views.set(kernel, view);
    }
    return view;
  }

  /** The store this layer keeps its records in. */
  get store(): SnapshotStore {
    return this.ctx.store;
  }

  /**
   * Submits an action. A covered action is snapshotted first and its result carries the
   * `recordId` to roll it back with; with an `idempotencyKey` that id is
   * `recordIdFor(idempotencyKey)`, and a retry never snapshots or applies twice (it answers
   * `OK` with `meta.alreadyApplied`). Other actions go to `kernel.submit` unchanged (their
   * `recordId` is the audit record's). Never throws.
   */
  async submit(request: ActionRequest, options: SubmitOptions = {}): Promise<ActionResult> {
    // Read once: the strategy, the record and the kernel see one copy. A request read again
    // could choose no strategy (a getter answering "fs.read") and then run as a write.
    let checked: ActionRequest;
    try {
      checked = validateRequest(request);
    } catch {
      // Malformed (e.g. a target of any length from a hostile agent): no record is written for it;
      // the kernel refuses it with its one audit record.
      return this.ctx.kernel.submit(request, options);
    }
    const strategy = this.ctx.strategies.find((s) => safeCovers(s, checked));
    if (strategy === undefined) return this.ctx.kernel.submit(checked, options);
    await this.sweepOnce();
    return applyReversible(this.ctx, strategy, checked, options);
  }

  /**
   * Undoes a record's action: `OK` restored, `NOOP` nothing left to undo, `CONFLICT` the
   * target changed since (pass `force` to overwrite), `ERROR` with a code otherwise
   * (`Reversible.UnknownRecord` for an id with no record, unless `allowUnknown`). Idempotent.
   */
  async rollback(recordId: string, options: RollbackOptions = {}): Promise<RollbackResult> {
    await this.sweepOnce();
    return rollbackRecord(this.ctx, recordId, options);
  }

  /**
   * Undoes many records as one batch — each exactly as {@link ReversibleActionLayer.rollback}
   * would (its own undo and audit record), results in the order given. Records of the same
   * target are undone one after another in that order; records of distinct targets run
   * together, sharing fsyncs. Pass the newest first, as a saga compensates. Idempotent: after
   * a crash, running the same batch again finishes it (records already undone answer `NOOP`).
   */
  async rollbackMany(recordIds: readonly string[], options: RollbackOptions = {}): Promise<RollbackResult[]> {
    await this.sweepOnce();
    return rollbackBatch(this.ctx, recordIds, options);
  }

  /** Every record in the store, oldest first (for the saga's query). */
  async records(): Promise<RecordSummary[]> {
    await this.ctx.idle(); // a state change still being written by this layer lands first
    return (await this.ctx.store.listRecords()).map(summarize);
  }

  /** One record's summary, or `undefined`. */
  async record(recordId: string): Promise<RecordSummary | undefined> {
    const m = await this.ctx.locked(recordId, () => this.ctx.store.readRecord(recordId)).catch(() => undefined);
    return m === undefined ? undefined : summarize(m);
  }

  /**
   * Removes expired records and unneeded snapshots before the layer's first use, and again
   * whenever the last sweep is older than a tenth of the ttl (at most hourly), so the
   * retention holds in a long-lived worker too. Only the first sweep is waited for.
   */
  private sweepOnce(): Promise<unknown> {
    const now = Date.now();
    const shared = this.shared;
    if (shared.swept !== undefined && now - shared.sweptAt > Math.min(this.ctx.store.ttl / 10, 3_600_000)) {
      shared.sweptAt = now;
      void this.ctx.store.sweep().catch(() => undefined);
    }
    if (shared.swept === undefined) {
      shared.sweptAt = now;
      shared.swept = this.ctx.store.sweep().catch(() => undefined);
    }
    return shared.swept;
  }
}

function safeCovers(strategy: ReversibleStrategy, request: ActionRequest): boolean {
  try {
    return strategy.covers(request);
  } catch {
    return false;
  }
}
