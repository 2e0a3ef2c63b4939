/**
 * The package root of `agent-os-kernel`: everything public, by name (no `export *`).
 * Loads no Temporal or HTTP-client module: those load when first used.
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
  NEEDS_ASYNC,
  type ActionRequest,
  type ActionResult,
  type SubmitOptions,
  type ResolvedRequest,
  type ExecutionContext,
  type EgressHook,
  type EgressRequest,
  type EgressGrant,
  type EgressOutcome,
  type Provider,
  type ExecutionStep,
  type BeforeEffect,
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
  type AuditVerifyOptions,
  type AuditProblem,
  type AuditSegmentResult,
  type AuditLogOptions,
  AUDIT_FORMAT_VERSION,
  canonicalLine,
  type AuditHead,
  readHead,
} from './kernel/index';

// Kernel errors.
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
  KernelOptionsError,
  HookFailedError,
  UndoNotAuthorisedError,
} from './kernel/index';

// Providers.
export {
  FilesystemProvider,
  type FilesystemProviderOptions,
  Durability,
  MountTable,
  type Mount,
  ProcessProvider,
  SandboxMode,
  buildSandboxCommand,
  probeSandbox,
  readSandboxInfo,
  terminateSandboxedProgram,
  killSandbox,
  waitSandboxGone,
  spawnSandboxed,
  sandboxStdio,
  feedSeccomp,
  type SandboxedChild,
  type SandboxSpec,
  type SandboxCommand,
  type SandboxMount,
  type SandboxLimits,
  type ProcessProviderOptions,
  type ProcessHardening,
  type ProcessResult,
  HttpProvider,
  type HttpProviderOptions,
  type HttpResult,
  CredentialStore,
  type CredentialRule,
  FsNotFoundError,
  FsUnsafeFileError,
  FsEscapeError,
  FsTooLargeError,
  FsWrongTypeError,
  FsRecursiveNotAllowedError,
  FsProtectedError,
  FsInvalidParamError,
  FsInvalidMountError,
  InvalidParamsError,
  ProgramNotFoundError,
  ProgramOutsidePathError,
  CwdOutsideMountError,
  EnvNotAllowedError,
  GitArgumentRefusedError,
  HardeningUnavailableError,
  ProviderAbortedError,
  InvalidUrlError,
  AddressRefusedError,
  HostUnresolvedError,
  RedirectDeniedError,
  TooManyRedirectsError,
  MethodNotAllowedError,
  HttpTimeoutError,
  HttpFailedError,
  CredentialMissingError,
  InvalidCredentialRuleError,
} from './providers/index';
export {
  McpProvider,
  type McpProviderOptions,
  type McpServerConfig,
  type LaunchSpec,
  type LaunchSandbox,
  McpSandbox,
  type McpMount,
  McpSandboxUnavailableError,
  type Launcher,
  McpPinStore,
  type McpCallData,
} from './providers/mcp/index';
export { mcpToolDefs, mcpCallRequest, offerToolDef, type McpToolOffer, type McpToolCatalogue } from './providers/mcp/tools';

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
  NetworkGrant,
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

// Base error, the one "code or fallback" helper, and every error code by owning module.
export { AgentOsError, hasErrorCode, errorCode } from './errors';
export { ErrorCode, isErrorCode } from './error-codes';

// Agents: the seed's AgentLoop (loads Temporal on its first run(), never on import) and ToolDef.
// Workers, activities, the model client and connections: `agent-os-kernel/temporal`;
// workflows, updates, queries and their types: `agent-os-kernel/workflows`; dev server and
// scripted model: `agent-os-kernel/dev`. Importing this root loads no Temporal module.
export { AgentLoop, type AgentLoopOptions, type LocalAgentLoopOptions, type RemoteAgentLoopOptions } from './client/agent-loop';
export { AgentRunFailedError, AgentLoopOptionsError } from './client/errors';
export { FILE_TOOLS, READ_FILE_TOOL, WRITE_FILE_TOOL } from './client/file-tools';
export { ToolDef, type ToolDefSpec } from './workflows/tool-defs';
export { loadToolsFile, loadToolsText } from './client/tools-file';
export { ToolsFileError } from './client/errors';
