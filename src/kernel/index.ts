/**
 * The kernel module: the gate (`Kernel`), its audit log, and the provider contract.
 */
export { Kernel, type KernelOptions, type ApproveCallback } from './kernel';
export type { PolicySource } from './policy-gate';
export { DenialCode } from './pipeline';
export { validateRequest } from './request';
export { withMeta, type ProviderOutput } from './provider-output';
export { assertKernelGrant, UnauthorizedExecutionError } from './grant';
export { AuditLog, type AuditLogOptions } from './audit-log';
export { type AuditHead, readHead } from './audit-head';
export { type AuditRecord, AUDIT_FORMAT_VERSION, GENESIS_HASH, canonicalJson, canonicalLine, hashParams, computeRecordHash } from './audit-record';
export { verifyAuditLog, type AuditVerifyResult, type AuditVerifyOptions, type AuditProblem, type AuditSegmentResult } from './audit-verify';
export {
  ActionStatus,
  NEEDS_ASYNC,
  type ActionRequest,
  type ActionResult,
  type SubmitOptions,
  type ResolvedRequest,
  type ExecutionContext,
  type Provider,
  type ExecutionStep,
  type BeforeEffect,
  type UndoRequest,
  type HostLocation,
  type EgressHook,
  type EgressRequest,
  type EgressGrant,
  type EgressOutcome,
} from './types';
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
} from './errors';
