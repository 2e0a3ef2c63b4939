/**
 * The reversible layer: snapshots before covered actions run, exact and idempotent undo.
 */
export { ReversibleActionLayer, type ReversibleActionLayerOptions } from './layer';
export { FsWriteSnapshotStrategy, FsDeleteSnapshotStrategy, type FsSnapshotOptions, type ReversibleStrategy, type BlobStore, Restored } from './strategies';
export { SnapshotStore, type SnapshotStoreOptions, type SweepResult } from './snapshot-store';
export { RollbackStatus, type RollbackResult, type RollbackOptions } from './rollback';
export { RecordState, type RecordManifest, type RecordSummary, type Snapshot, type TargetState } from './record';
export { recordIdFor, isRecordId } from './record-id';
export {
  UnknownRecordError,
  RecordExpiredError,
  RollbackConflictError,
  SnapshotTooLargeError,
  UnsupportedTargetError,
  InvalidIdempotencyKeyError,
  IdempotencyKeyReusedError,
  AlreadyAppliedError,
  OutcomeUnknownError,
  RecordRevokedError,
  UnknownStrategyError,
  StoreCorruptError,
  StoreFailedError,
} from './errors';
