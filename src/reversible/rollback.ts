/**
 * `ReversibleActionLayer.rollback`: put back the prior state of one record's target, once.
 *
 * Records with nothing to undo (`registered`, `revoked`, `rolled-back`) answer `NOOP`
 * without touching anything (a `registered` record becomes `revoked`, so a late attempt of
 * its action will not run). Otherwise the undo runs through `Kernel.submitUndo`, authorised
 * by the decision stored with the record, and compares the target with the snapshot first:
 *
 * - as it was before           → `NOOP` (a `pending` action that never took effect, or already restored)
 * - as the action left it      → restore → `OK` (`restored`: content / removed / recreated)
 * - changed by someone since   → `CONFLICT`, unless `force` → restore
 */
import type { ActionResult } from '../kernel/types';
import type { LayerContext } from './context';
import {
  IdempotencyKeyReusedError,
  RecordExpiredError,
  ReversibleCode,
  RollbackConflictError,
  StoreCorruptError,
  UnknownRecordError,
  UnknownStrategyError,
} from './errors';
import { RecordBlobs } from './record-blobs';
import { RecordState, type RecordManifest, advance, sameState } from './record';
import type { Restored } from './strategies';
import { errorCode } from '../errors';
import { answerEarly } from './apply';
import { ProviderAbortedError } from '../providers/errors';

/** Outcome of a rollback. */
export const RollbackStatus = { Ok: 'OK', Noop: 'NOOP', Conflict: 'CONFLICT', Error: 'ERROR' } as const;
export type RollbackStatus = (typeof RollbackStatus)[keyof typeof RollbackStatus];

/** What `rollback` returns. Never thrown: failures are `ERROR` with a stable `code`. */
export interface RollbackResult {
  readonly status: RollbackStatus;
  readonly recordId: string;
  /** The canonical target (once the action got that far). */
  readonly target?: string;
  /** How the prior state was put back (`OK` only). */
  readonly restored?: Restored;
  /** The human message of a `CONFLICT` or `ERROR` (the same field as `ActionResult.error`). */
  readonly error?: string;
  /** Why there was nothing to undo (`NOOP`), like `ActionResult.reason` explains a decision. */
  readonly reason?: string;
  /** Stable code for `CONFLICT` and `ERROR`, e.g. `Reversible.UnknownRecord`. */
  readonly code?: string;
  /** Audit record (hash) of the undo, when one ran through the kernel. */
  readonly auditRecordId?: string;
}

/** Options of `rollback`. */
export interface RollbackOptions {
  /** Restore even if the target changed after the action (overwrites that change). */
  readonly force?: boolean;
  /** Answer `NOOP` instead of `ERROR Reversible.UnknownRecord` for an id with no record (an action that never started). */
  readonly allowUnknown?: boolean;
  /**
   * The idempotency key the record id was derived from (`recordIdFor`): a record of another key
   * under that id (a hash collision, or a record file moved there) is refused as
   * `Reversible.KeyReused`, never undone.
   */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

type UndoData = { restored: Restored } | { noop: string };

/** Rolls back one record. Never throws. */
export function rollbackRecord(ctx: LayerContext, recordId: string, options: RollbackOptions): Promise<RollbackResult> {
  return answerEarly<RollbackResult>(
    ctx,
    recordId,
    (answer) => rollbackLocked(ctx, recordId, options, answer),
    (err) => failed(recordId, err),
  );
}

/** Records of one batch rolled back at the same time, at most (distinct targets; see {@link rollbackBatch}). */
export const BATCH_CONCURRENCY = 32;

/**
 * Rolls back many records as one batch; results in the order of `recordIds`. Never throws.
 *
 * Records with the same target (or no readable record) are rolled back one after another
 * in the order given — so several writes to one file are undone as `rollback` one by one
 * would; records of distinct targets run together, up to {@link BATCH_CONCURRENCY} at a time,
 * so their restores share the folder fsyncs (group commit) and their file fsyncs overlap
 * on the thread pool. Each record is rolled back exactly as by `rollback` (its own lock,
 * its own undo through `Kernel.submitUndo` with its one audit record), so a batch cut
 * short by a crash is finished by running it again: records already done answer `NOOP`.
 * Two agent paths naming one host file are not told apart here; the second undo then finds
 * the file changed and answers `CONFLICT` instead of restoring over it.
 */
export async function rollbackBatch(ctx: LayerContext, recordIds: readonly string[], options: RollbackOptions): Promise<RollbackResult[]> {
  const lanes = new Map<string, number[]>();
  for (const [i, id] of recordIds.entries()) {
    const m = await ctx.store.readRecord(id).catch(() => undefined);
    const key = m === undefined ? `?${id}` : `=${m.canonicalTarget ?? m.target}`;
    const lane = lanes.get(key);
    if (lane === undefined) lanes.set(key, [i]);
    else lane.push(i);
  }
  const results: RollbackResult[] = new Array<RollbackResult>(recordIds.length);
  const queue = [...lanes.values()];
  const worker = async (): Promise<void> => {
    for (let lane = queue.shift(); lane !== undefined; lane = queue.shift()) {
      for (const i of lane) results[i] = await rollbackRecord(ctx, recordIds[i] as string, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, queue.length) }, worker));
  return results;
}

async function rollbackLocked(
  ctx: LayerContext,
  recordId: string,
  options: RollbackOptions,
  answer: (result: RollbackResult) => void,
): Promise<RollbackResult> {
  const m = await ctx.store.readRecord(recordId);
  if (m === undefined) {
    return options.allowUnknown === true
      ? { status: 'NOOP', recordId, reason: 'no record: the action never started' }
      : failed(recordId, new UnknownRecordError(recordId));
  }
  const base = { recordId, ...(m.canonicalTarget === undefined ? {} : { target: m.canonicalTarget }) };
  if (options.idempotencyKey !== undefined && m.idempotencyKey !== options.idempotencyKey)
    return failed(recordId, new IdempotencyKeyReusedError(recordId), base);
  if (ctx.store.isExpired(m)) return refused(ctx, m, new RecordExpiredError(recordId), base, options);
  if (m.state === RecordState.RolledBack) return { status: 'NOOP', ...base, reason: 'already rolled back' };
  if (m.state === RecordState.Revoked) return { status: 'NOOP', ...base, reason: 'rolled back before it took effect' };
  if (m.state === RecordState.Registered) {
    await ctx.store.writeRecord(advance(m, RecordState.Revoked));
    return { status: 'NOOP', ...base, reason: 'the action never took effect' };
  }
  const strategy = ctx.strategies.find((s) => s.name === m.strategy);
  if (strategy === undefined) return refused(ctx, m, new UnknownStrategyError(m.strategy), base, options);
  const { snapshot, decision, canonicalTarget } = m;
  if (snapshot === undefined || decision === undefined || canonicalTarget === undefined) {
    return failed(recordId, new StoreCorruptError(`record ${recordId}`, `a ${m.state} record without its snapshot`), base);
  }

  const result = await ctx.kernel.submitUndo(
    {
      action: m.action,
      target: canonicalTarget,
      undoOf: recordId,
      ...(m.auditRecordId === undefined ? {} : { undoOfHash: m.auditRecordId }),
      authority: decision,
      run: async (step): Promise<UndoData> => {
        // From the probe to the restore, no reversible action or undo of this layer changes the target.
        const release = await ctx.targetTurn(step.request.canonicalTarget);
        try {
          if (step.signal.aborted) throw new ProviderAbortedError(m.action, { cause: step.signal.reason }); // answered meanwhile (timed out, aborted): nothing runs
          const now = await strategy.probe(step, [snapshot.before, snapshot.after]);
          if (sameState(now, snapshot.before)) {
            return { noop: m.state === RecordState.Pending ? 'the action never took effect' : 'the target is already in its prior state' };
          }
          if (!sameState(now, snapshot.after) && options.force !== true) throw new RollbackConflictError(canonicalTarget, 'changed after the action');
          return { restored: await strategy.restore(step, snapshot, new RecordBlobs(ctx.store, m)) };
        } finally {
          release();
        }
      },
    },
    options.signal === undefined ? {} : { signal: options.signal },
  );
  return settle(ctx, m, result, base, answer);
}

async function settle(
  ctx: LayerContext,
  m: RecordManifest,
  result: ActionResult,
  base: { recordId: string; target?: string },
  answer: (result: RollbackResult) => void,
): Promise<RollbackResult> {
  const audit = result.auditRecordId === undefined ? {} : { auditRecordId: result.auditRecordId };
  if (result.status === 'OK') {
    const data = result.data as UndoData;
    const state = 'noop' in data && m.state === RecordState.Pending ? RecordState.Revoked : RecordState.RolledBack;
    const done: RollbackResult =
      'noop' in data ? { status: 'NOOP', ...base, reason: data.noop, ...audit } : { status: 'OK', ...base, restored: data.restored, ...audit };
    const next = advance(m, state, result.auditRecordId === undefined ? {} : { undoAuditRecordId: result.auditRecordId });
    if (state === RecordState.Revoked) {
      await ctx.store.writeRecord(next); // durable before the answer: a late attempt of the action must find it
      return done;
    }
    // Losing `rolled-back` in a crash is harmless: a second rollback finds the prior state and answers NOOP.
    // So the caller has its answer first; the lock is held until the record is written.
    answer(done);
    await ctx.store.writeRecord(next, { durable: false });
    return done;
  }
  if (result.code === ReversibleCode.Conflict) return { status: 'CONFLICT', ...base, code: result.code, error: result.error ?? 'conflict', ...audit };
  return { status: 'ERROR', ...base, code: result.code ?? ReversibleCode.Internal, error: result.error ?? result.reason ?? 'undo failed', ...audit };
}

/**
 * An undo that cannot run (its record expired, its strategy is unknown here): `ERROR` with the
 * failure's code — recorded by the kernel like every undo that got this far (one audit record
 * with `undo_of`), when the record names the target and decision of an action that took effect.
 */
async function refused(
  ctx: LayerContext,
  m: RecordManifest,
  err: Error,
  base: { recordId: string; target?: string },
  options: RollbackOptions,
): Promise<RollbackResult> {
  const { canonicalTarget, decision } = m;
  if (canonicalTarget === undefined || decision === undefined) return failed(m.recordId, err, base);
  const result = await ctx.kernel.submitUndo(
    {
      action: m.action,
      target: canonicalTarget,
      undoOf: m.recordId,
      ...(m.auditRecordId === undefined ? {} : { undoOfHash: m.auditRecordId }),
      authority: decision,
      run: () => Promise.reject(err),
    },
    options.signal === undefined ? {} : { signal: options.signal },
  );
  const audit = result.auditRecordId === undefined ? {} : { auditRecordId: result.auditRecordId };
  if (result.code === errorCode(err, ReversibleCode.Internal)) return { ...failed(m.recordId, err, base), ...audit };
  // Refused before it ran (e.g. its authority): the kernel's answer, as its audit record says.
  return { status: 'ERROR', ...base, code: result.code ?? ReversibleCode.Internal, error: result.error ?? result.reason ?? 'undo refused', ...audit };
}

function failed(recordId: string, err: unknown, base: { recordId: string; target?: string } = { recordId }): RollbackResult {
  const code = errorCode(err, ReversibleCode.Internal);
  const error = code === ReversibleCode.Internal ? 'internal error of the reversible layer' : (err as Error).message;
  return { status: 'ERROR', ...base, recordId, code, error };
}
