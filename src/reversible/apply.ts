/**
 * `ReversibleActionLayer.submit` for a covered action. The order makes retries safe:
 *
 * 1. the record is written as `registered` (or found: a retry);
 * 2. `Kernel.submit` decides; only if the action is allowed does the `beforeExecute` hook
 *    snapshot the canonical target and write the record as `pending`; the action's effect
 *    waits until that state is durable (the hook hands its fsync to the kernel as
 *    `beforeEffect`: the filesystem provider writes and fsyncs its temp file meanwhile, and
 *    renames it into place only after — docs/performance.md, round 6);
 * 3. after the provider ran, the record becomes `applied`.
 *
 * A retry with the same idempotency key finds the record: `applied` → answered from the
 * record, nothing runs again; `pending` (a crash between 2 and 3) → the hook compares the
 * target with the snapshot: as the action leaves it → already applied (nothing runs; its
 * audit record says `Reversible.AlreadyApplied`); as it was before → the action runs with
 * the snapshot already taken; anything else → `UNKNOWN`.
 */
import { randomBytes } from 'node:crypto';
import { hashParams } from '../kernel/audit-record';
import { validateRequest } from '../kernel/request';
import type { ActionRequest, ActionResult, BeforeEffect, ExecutionStep, SubmitOptions } from '../kernel/types';
import { type LayerContext, errorResult } from './context';
import { AlreadyAppliedError, IdempotencyKeyReusedError, OutcomeUnknownError, RecordRevokedError } from './errors';
import type { OpenRecord } from './open-record';
import { RecordBlobs } from './record-blobs';
import { ProviderAbortedError } from '../providers/errors';
import { recordIdFor } from './record-id';
import { RecordState, type RecordManifest, advance, sameState } from './record';
import type { ReversibleStrategy } from './strategies';

const MAX_KEPT_DATA = 64 * 1024;

/** Submits `request` through the kernel with a snapshot taken first. Never throws. */
export async function applyReversible(ctx: LayerContext, strategy: ReversibleStrategy, request: ActionRequest, options: SubmitOptions): Promise<ActionResult> {
  try {
    validateRequest(request);
  } catch {
    // Malformed (e.g. a target of any length from a hostile agent): no record is written for it;
    // the kernel refuses it with its one audit record.
    return ctx.kernel.submit(request, options);
  }
  const key = options.idempotencyKey;
  let recordId: string;
  try {
    recordId = key === undefined ? randomBytes(16).toString('hex') : recordIdFor(key);
  } catch (err) {
    return errorResult(err);
  }
  return answerEarly(ctx, recordId, (answer) => applyLocked(ctx, strategy, request, options, recordId, answer));
}

/**
 * Runs `fn` under the record's lock and resolves with the result it `answer`s — possibly
 * before `fn` is done: the record's last, non-durable state change (`applied`,
 * `rolled-back`) is written after the caller has its answer, while the lock is still held,
 * so the next call for the same record (a retry, a rollback) still sees it. A crash before
 * it lands leaves the earlier state, which retries and rollbacks handle (they check the
 * target). Never rejects.
 */
export function answerEarly<T extends object>(
  ctx: LayerContext,
  recordId: string,
  fn: (answer: (result: T) => void) => Promise<T>,
  failed: (err: unknown) => T = (err) => errorResult(err, { recordId }) as T,
): Promise<T> {
  return new Promise<T>((resolve) => {
    ctx.locked(recordId, () => fn(resolve)).then(resolve, (err: unknown) => resolve(failed(err)));
  });
}

async function applyLocked(
  ctx: LayerContext,
  strategy: ReversibleStrategy,
  request: ActionRequest,
  options: SubmitOptions,
  recordId: string,
  answer: (result: ActionResult) => void,
): Promise<ActionResult> {
  const { store } = ctx;
  const paramsHash = hashParams(request.params ?? {});
  const now = new Date().toISOString();
  const fresh: RecordManifest = {
    version: 1,
    recordId,
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    state: RecordState.Registered,
    strategy: strategy.name,
    action: request.action,
    target: request.target,
    paramsHash,
    createdAt: now,
    updatedAt: now,
  };
  // Lost in a crash = never started, so not fsynced. Kept open for this attempt's later states.
  const open = await store.createRecord(fresh);
  try {
    return await attempt(ctx, strategy, request, options, recordId, answer, open === undefined ? await existing(ctx, fresh) : { record: fresh, open });
  } finally {
    open?.close();
  }
}

/** The record of a retry (or of an attempt on another worker), or an answer from it: it exists already. */
async function existing(ctx: LayerContext, fresh: RecordManifest): Promise<ActionResult | { readonly record: RecordManifest }> {
  const record = await ctx.store.readRecord(fresh.recordId);
  if (record === undefined) {
    // Only a line a crash tore (or a marker of an earlier version): the attempt never started.
    await ctx.store.writeRecord(fresh, { durable: false });
    return { record: fresh };
  }
  if (!sameRequest(record, fresh)) return errorResult(new IdempotencyKeyReusedError(record.recordId), { recordId: record.recordId });
  if (record.state === RecordState.Applied) return replay(record);
  if (record.state === RecordState.RolledBack || record.state === RecordState.Revoked)
    return errorResult(new RecordRevokedError(record.recordId), { recordId: record.recordId });
  return { record };
}

async function attempt(
  ctx: LayerContext,
  strategy: ReversibleStrategy,
  request: ActionRequest,
  options: SubmitOptions,
  recordId: string,
  answer: (result: ActionResult) => void,
  found: ActionResult | { readonly record: RecordManifest; readonly open?: OpenRecord },
): Promise<ActionResult> {
  if (!('record' in found)) return found;
  const { store } = ctx;
  const { record, open } = found;
  let current: RecordManifest = record;
  let pendingDurable: Promise<void> | undefined;
  let release: (() => void) | undefined;
  const snapshotThenPending = async (step: ExecutionStep): Promise<BeforeEffect | undefined> => {
    // One reversible action on a target at a time, from its snapshot to its effect: a second
    // one snapshotting meanwhile would record what the first replaces, not what it leaves.
    release = await ctx.targetTurn(step.request.canonicalTarget);
    if (step.signal.aborted) throw new ProviderAbortedError(request.action, { cause: step.signal.reason }); // answered meanwhile: nothing runs
    // Another process may have revoked it since: read it again, unless its file still holds only this attempt's states.
    const latest = open?.unchanged() === true ? current : ((await store.readRecord(recordId)) ?? current);
    // An attempt that found no record (another's file still without a line) compares its request here, once it can.
    if (!sameRequest(latest, record)) throw new IdempotencyKeyReusedError(recordId);
    if (latest.state === RecordState.Revoked || latest.state === RecordState.RolledBack) throw new RecordRevokedError(recordId);
    if (latest.state === RecordState.Applied) {
      // Another attempt (another worker) applied it since this one read the record: never snapshot the result as "before".
      if (latest.canonicalTarget !== step.request.canonicalTarget) throw new OutcomeUnknownError(recordId);
      current = latest;
      throw new AlreadyAppliedError(recordId);
    }
    if (latest.state === RecordState.Pending && latest.snapshot !== undefined) {
      const now = await strategy.probe(step, [latest.snapshot.before, latest.snapshot.after]);
      if (latest.canonicalTarget !== step.request.canonicalTarget) throw new OutcomeUnknownError(recordId);
      current = latest; // its snapshot, taken before, is the one `applied` keeps
      if (sameState(now, latest.snapshot.after)) throw new AlreadyAppliedError(recordId);
      if (!sameState(now, latest.snapshot.before)) throw new OutcomeUnknownError(recordId);
      // Not applied yet: run it, keeping the snapshot taken before — once that state is
      // durable here too (the fsync of the attempt that wrote it may still run, or have failed).
      pendingDurable = store.syncRecord(recordId);
      return { beforeEffect: pendingDurable };
    }
    const blobs = new RecordBlobs(store);
    const snapshot = await strategy.capture(step, blobs);
    current = advance(latest, RecordState.Pending, {
      canonicalTarget: step.request.canonicalTarget,
      decision: step.decision,
      snapshot,
      ...blobs.manifestField(snapshot.blobs),
    });
    // Write-ahead: the action's effect waits until `pending` is durable; the provider prepares meanwhile.
    const { durable } = await store.startRecordWrite(current, { ...(open === undefined ? {} : { open }) });
    pendingDurable = durable;
    return { beforeEffect: durable };
  };
  let hook: Promise<unknown> | undefined;
  const beforeExecute = (step: ExecutionStep): Promise<BeforeEffect | undefined> => (hook = snapshotThenPending(step));
  const result = await ctx.kernel.submit(request, { ...options, beforeExecute });
  // Settled before anything else goes through the record's descriptor (or it is closed) and the
  // lock is released: the hook too, which outlives the submit when its deadline fired meanwhile.
  if (hook !== undefined) await hook.catch(() => undefined);
  await pendingDurable?.catch(() => undefined);
  release?.(); // the action took effect or never will: the next one on its target snapshots what it left

  if (result.status === 'OK' || result.code === 'Reversible.AlreadyApplied') {
    const applied = advance(current, RecordState.Applied, {
      ...(result.status === 'OK' ? { data: keepable(result.data) } : {}),
      ...(result.status === 'OK' && result.auditRecordId !== undefined ? { auditRecordId: result.auditRecordId } : {}),
    });
    const answered: ActionResult =
      result.status === 'OK'
        ? { ...result, recordId }
        : // The calls this retry counted still count (history-aware rules); a target the first attempt created is not known here.
          {
            ...replay(applied),
            ...(result.auditRecordId === undefined ? {} : { auditRecordId: result.auditRecordId }),
            ...(result.history === undefined ? {} : { history: result.history }),
          };
    answer(answered); // the caller goes on; the lock is held until `applied` is written
    // If this write fails the record stays `pending`, which retries and rollbacks handle.
    await store.writeRecord(applied, { durable: false, ...(open === undefined ? {} : { open }) }).catch(() => undefined);
    return answered;
  }
  if (result.code === 'Reversible.OutcomeUnknown') return { ...result, status: 'UNKNOWN', recordId };
  // Denied: nothing was snapshotted or applied, so there is no reversible record to offer.
  if (result.status === 'DENIED') return result;
  return { ...result, recordId };
}

/** True if two states of a record are of the same request (the one its idempotency key was first used for). */
function sameRequest(a: RecordManifest, b: RecordManifest): boolean {
  return a.idempotencyKey === b.idempotencyKey && a.action === b.action && a.target === b.target && a.paramsHash === b.paramsHash;
}

/** The answer to a retry of an applied action: its stored output, marked as a replay. */
function replay(record: RecordManifest): ActionResult {
  return {
    status: 'OK',
    recordId: record.recordId,
    ...(record.auditRecordId === undefined ? {} : { auditRecordId: record.auditRecordId }),
    ...(record.data === undefined ? {} : { data: record.data }),
    ...(record.canonicalTarget === undefined ? {} : { target: record.canonicalTarget }),
    ...(record.decision?.ruleId === undefined ? {} : { ruleId: record.decision.ruleId }),
    reason: `already applied by an earlier attempt (record ${record.recordId}); not applied again`,
    meta: { alreadyApplied: true },
  };
}

/** Provider output worth keeping for a replay: small JSON only. */
function keepable(data: unknown): unknown {
  try {
    const text = JSON.stringify(data);
    return text !== undefined && text.length <= MAX_KEPT_DATA ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
