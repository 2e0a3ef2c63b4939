/**
 * Typed failures of the reversible layer. `submit` and `rollback` never throw them at the
 * caller: they come back as `code` on the result (`ActionResult` / `RollbackResult`), so
 * code on the far side of the Temporal boundary checks `code`, never `instanceof`.
 */
import { AgentOsError } from '../errors';

/** Codes of the reversible layer's failures (`Reversible.*`). */
export const ReversibleCode = {
  UnknownRecord: 'Reversible.UnknownRecord',
  Expired: 'Reversible.Expired',
  Conflict: 'Reversible.Conflict',
  SnapshotTooLarge: 'Reversible.SnapshotTooLarge',
  Unsupported: 'Reversible.Unsupported',
  InvalidKey: 'Reversible.InvalidKey',
  KeyReused: 'Reversible.KeyReused',
  AlreadyApplied: 'Reversible.AlreadyApplied',
  OutcomeUnknown: 'Reversible.OutcomeUnknown',
  Revoked: 'Reversible.Revoked',
  UnknownStrategy: 'Reversible.UnknownStrategy',
  StoreCorrupt: 'Reversible.StoreCorrupt',
  StoreFailed: 'Reversible.StoreFailed',
  Internal: 'Reversible.Internal',
} as const;
export type ReversibleCode = (typeof ReversibleCode)[keyof typeof ReversibleCode];

/** No record with this id is in the store (never registered, or swept after expiry). */
export class UnknownRecordError extends AgentOsError {
  readonly code = ReversibleCode.UnknownRecord;
  constructor(readonly recordId: string) {
    super(`no reversible record ${JSON.stringify(recordId.slice(0, 80))} in the snapshot store`);
  }
}

/** The record outlived the store's `ttl`; its snapshot is no longer kept. */
export class RecordExpiredError extends AgentOsError {
  readonly code = ReversibleCode.Expired;
  constructor(readonly recordId: string) {
    super(`reversible record ${recordId} has expired; it can no longer be rolled back`);
  }
}

/** The target changed after the action; rolling back would overwrite someone else's change (use `force`). */
export class RollbackConflictError extends AgentOsError {
  readonly code = ReversibleCode.Conflict;
  constructor(
    readonly target: string,
    readonly problem: string,
  ) {
    super(`${target} ${problem}; not rolled back (pass force to overwrite)`);
  }
}

/** The target is larger than the strategy's snapshot cap; the action is refused, not run unprotected. */
export class SnapshotTooLargeError extends AgentOsError {
  readonly code = ReversibleCode.SnapshotTooLarge;
  constructor(
    readonly target: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`cannot snapshot ${target}: ${bytes} bytes exceed the snapshot cap of ${maxBytes} bytes; the action was not run`);
  }
}

/** The strategy cannot snapshot this target (e.g. a directory, or a provider without `locate`). */
export class UnsupportedTargetError extends AgentOsError {
  readonly code = ReversibleCode.Unsupported;
  constructor(
    readonly target: string,
    readonly problem: string,
  ) {
    super(`cannot snapshot ${target}: ${problem}; the action was not run`);
  }
}

/** An idempotency key is not a non-empty string of at most 256 characters. */
export class InvalidIdempotencyKeyError extends AgentOsError {
  readonly code = ReversibleCode.InvalidKey;
  constructor() {
    super('an idempotency key must be a non-empty string of at most 256 characters');
  }
}

/** The idempotency key was used before for a different request (or hashes to another key's record id). */
export class IdempotencyKeyReusedError extends AgentOsError {
  readonly code = ReversibleCode.KeyReused;
  constructor(readonly recordId: string) {
    super(`record ${recordId} belongs to a different request; an idempotency key names one action only`);
  }
}

/** A retry found the action already applied by an earlier attempt; it was not applied again. */
export class AlreadyAppliedError extends AgentOsError {
  readonly code = ReversibleCode.AlreadyApplied;
  constructor(readonly recordId: string) {
    super(`record ${recordId} was already applied by an earlier attempt; not applied again`);
  }
}

/** A retry found the target neither as it was before the action nor as the action leaves it. */
export class OutcomeUnknownError extends AgentOsError {
  readonly code = ReversibleCode.OutcomeUnknown;
  constructor(readonly recordId: string) {
    super(`record ${recordId}: an earlier attempt was interrupted and the target has changed since; not applied again`);
  }
}

/** The record was rolled back (or revoked before it ran); its action is not applied again. */
export class RecordRevokedError extends AgentOsError {
  readonly code = ReversibleCode.Revoked;
  constructor(readonly recordId: string) {
    super(`record ${recordId} was rolled back; its action will not be applied again`);
  }
}

/** A record names a strategy this layer was not given. */
export class UnknownStrategyError extends AgentOsError {
  readonly code = ReversibleCode.UnknownStrategy;
  constructor(readonly strategy: string) {
    super(`no strategy named ${JSON.stringify(strategy)} is configured in this layer`);
  }
}

/** A file of the snapshot store is unreadable or does not match its content hash. */
export class StoreCorruptError extends AgentOsError {
  readonly code = ReversibleCode.StoreCorrupt;
  /** @param item what is damaged, relative to the store (`record <id>`, `blob <sha256>`): no host paths. */
  constructor(
    readonly item: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`snapshot store: ${item} is corrupt: ${problem}`, options);
  }
}

/** Reading or writing the snapshot store failed (disk full, permissions). */
export class StoreFailedError extends AgentOsError {
  readonly code = ReversibleCode.StoreFailed;
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    const sys = (options?.cause as { code?: unknown } | undefined)?.code;
    super(`snapshot store: ${operation} failed${typeof sys === 'string' ? ` (${sys})` : ''}`, options);
  }
}
