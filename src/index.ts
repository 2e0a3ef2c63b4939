/**
 * The package root of `agent-os-kernel`: everything public, by name (no `export *`).
 * @example
 * import { Kernel, FilesystemProvider } from 'agent-os-kernel';
 */

// Kernel: the gate, its results and the provider contract.
export {
  Kernel,
  type KernelOptions,
  type ApproveCallback,
  type PolicySource,
  DenialCode,
  validateRequest,
  withMeta,
  type ProviderOutput,
  assertKernelGrant,
  UnauthorizedExecutionError,
  ActionStatus,
  type ActionRequest,
  type ActionResult,
  type SubmitOptions,
  type ResolvedRequest,
  type ExecutionContext,
  type Provider,
  type ExecutionStep,
  type UndoRequest,
  type HostLocation,
} from './kernel/index';

// Audit log.
export {
  AuditLog,
  type AuditRecord,
  GENESIS_HASH,
  canonicalJson,
  hashParams,
  computeRecordHash,
  verifyAuditLog,
  type AuditVerifyResult,
  type AuditProblem,
} from './kernel/index';

// Kernel and filesystem errors.
export {
  MalformedRequestError,
  NoProviderError,
  DuplicateActionError,
  InvalidProviderError,
  ProviderFailedError,
  KernelTimeoutError,
  KernelAbortedError,
  KernelClosedError,
  PolicyEvaluationError,
  AuditWriteError,
  AuditLogCorruptError,
  HookFailedError,
  UndoNotAuthorisedError,
  FsNotFoundError,
  FsUnsafeFileError,
  FsEscapeError,
  FsTooLargeError,
  FsWrongTypeError,
  FsRecursiveNotAllowedError,
  FsInvalidParamError,
  FsInvalidMountError,
} from './kernel/index';

// Providers.
export {
  FilesystemProvider,
  type FilesystemProviderOptions,
  MountTable,
  type Mount,
  ProcessProvider,
  type ProcessProviderOptions,
  type ProcessHardening,
  type ProcessResult,
  HttpProvider,
  type HttpProviderOptions,
  type HttpResult,
  CredentialStore,
  type CredentialRule,
} from './providers/index';

// Policy: load → compile → evaluate.
export {
  loadPolicyFile,
  loadPolicyText,
  compilePolicy,
  type CompiledPolicy,
  evaluate,
  type PolicyDecision,
  evaluateLayered,
  canonicalizeRequest,
  type CanonicalizeOptions,
  canonicalPath,
  PolicyValidationError,
  PolicyFileError,
  PolicyOptionsError,
  InvalidTargetError,
  PolicyCompileError,
  Effect,
  BuiltinAction,
  RuleKind,
  type SourcePosition,
  type RuleConstraint,
  type Rule,
  type PolicyDocument,
  type CanonicalRequest,
  type Decision,
  type PolicyOptions,
} from './policy/index';

// Reversible layer: snapshots before covered actions, exact and idempotent rollback.
export {
  ReversibleActionLayer,
  type ReversibleActionLayerOptions,
  FsWriteSnapshotStrategy,
  FsDeleteSnapshotStrategy,
  type FsSnapshotOptions,
  type ReversibleStrategy,
  type BlobStore,
  Restored,
  SnapshotStore,
  type SnapshotStoreOptions,
  type SweepResult,
  RollbackStatus,
  type RollbackResult,
  type RollbackOptions,
  RecordState,
  type RecordManifest,
  type RecordSummary,
  type Snapshot,
  type TargetState,
  recordIdFor,
  isRecordId,
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
} from './reversible/index';

// Base error.
export { AgentOsError, hasErrorCode } from './errors';

// Agent runs on Temporal: the seed's AgentLoop and ToolDef, workers, connections.
export { AgentLoop, type AgentLoopOptions, type LocalAgentLoopOptions, type RemoteAgentLoopOptions } from './client/agent-loop';
export { FILE_TOOLS, READ_FILE_TOOL, WRITE_FILE_TOOL } from './client/file-tools';
export { ToolDef, type ToolDefSpec } from './workflows/tool-defs';
export { createAgentWorker, type AgentWorker, type AgentWorkerOptions } from './client/worker';
export { temporalSettings, connectTemporal, type TemporalSettings, type TemporalConnections } from './client/connection';
export { loadToolsFile, loadToolsText } from './client/tools-file';

// Payload encryption: the codec, its keys, the codec server (docs/threat-model.md).
export {
  AesGcmCodec,
  codecDataConverter,
  CODEC_FAILURE_CONVERTER_PATH,
  keyRingFromEnv,
  parseKeyRing,
  readKeyRingFile,
  newKeyLine,
  type KeyRing,
  decodeHistory,
  fetchDecodedHistory,
  startCodecServer,
  type CodecServer,
  type CodecServerOptions,
  CodecError,
  CodecErrorCode,
  CodecKeyConfigError,
  CodecMalformedError,
  CodecNoKeysError,
  CodecTamperedError,
  CodecUnknownKeyError,
} from './codec/index';
