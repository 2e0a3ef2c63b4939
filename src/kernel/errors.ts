/**
 * Typed failures of the kernel. Each class has a
 * stable dotted `code`; `submit` never throws them at the caller but returns them as
 * `ActionResult.code`, and writes them into the audit record.
 */
import { AgentOsError } from '../errors';

/** Codes of the kernel's failures and verdicts (`Kernel.*`). */
export const KernelCode = {
  MalformedRequest: 'Kernel.MalformedRequest',
  NoProvider: 'Kernel.NoProvider',
  DuplicateAction: 'Kernel.DuplicateAction',
  InvalidProvider: 'Kernel.InvalidProvider',
  ProviderFailed: 'Kernel.ProviderFailed',
  Timeout: 'Kernel.Timeout',
  Aborted: 'Kernel.Aborted',
  /** An action still running when the freeze (the emergency stop) was set: stopped, its outcome unknown. */
  Frozen: 'Kernel.Frozen',
  Closed: 'Kernel.Closed',
  PolicyFailed: 'Kernel.PolicyFailed',
  HookFailed: 'Kernel.HookFailed',
  UndoNotAuthorised: 'Kernel.UndoNotAuthorised',
  AuditFailed: 'Kernel.AuditFailed',
  AuditCorrupt: 'Kernel.AuditCorrupt',
  Internal: 'Kernel.Internal',
  OutcomeUnknown: 'Kernel.OutcomeUnknown',
  ApprovalRequired: 'Kernel.ApprovalRequired',
  ApprovalRefused: 'Kernel.ApprovalRefused',
  DecideFailed: 'Kernel.DecideFailed',
  /** A provider was called with a context the kernel did not issue (UnauthorizedExecutionError, grant.ts). */
  Unauthorized: 'Kernel.Unauthorized',
  /** A call refused before the policy gate (provider refusal, unknown tool, bad arguments), recorded by Kernel.recordRefusal. */
  Refused: 'Kernel.Refused',
  /** An `ask` nobody answered in time. */
  ApprovalTimedOut: 'Kernel.ApprovalTimedOut',
  /**
   * The decision at use time is not the one the caller decided (and a person approved) before:
   * the target now resolves elsewhere (a link changed), or a request decided `deny` is now allowed.
   */
  DecisionChanged: 'Kernel.DecisionChanged',
  /** An `ask` still waiting when its run was cancelled or hit its deadline. */
  ApprovalCancelled: 'Kernel.ApprovalCancelled',
  /** `new Kernel` was given an option it does not know, or one of the wrong type (kernel-options.ts). */
  InvalidOptions: 'Kernel.InvalidOptions',
} as const;
export type KernelCode = (typeof KernelCode)[keyof typeof KernelCode];

/** The raw request is not `{ action: string, target: string, params?: object }`. */
export class MalformedRequestError extends AgentOsError {
  readonly code = KernelCode.MalformedRequest;
  constructor(readonly problem: string) {
    super(`malformed request: ${problem}`);
  }
}

/** No registered provider executes this action; the action never runs. */
export class NoProviderError extends AgentOsError {
  readonly code = KernelCode.NoProvider;
  constructor(readonly action: string) {
    super(`no provider executes action "${action}" (no provider is registered for it, so it is denied by default)`);
  }
}

/** Two providers claim the same action (thrown by the `Kernel` constructor). */
export class DuplicateActionError extends AgentOsError {
  readonly code = KernelCode.DuplicateAction;
  constructor(
    readonly action: string,
    readonly providers: readonly [string, string],
  ) {
    super(`action "${action}" is claimed by both provider "${providers[0]}" and provider "${providers[1]}"`);
  }
}

/** A provider object does not satisfy the `Provider` contract (thrown by the `Kernel` constructor). */
export class InvalidProviderError extends AgentOsError {
  readonly code = KernelCode.InvalidProvider;
  constructor(
    readonly provider: string,
    readonly problem: string,
  ) {
    super(`provider "${provider}" is invalid: ${problem}`);
  }
}

/**
 * A provider failed with an error that is not one of ours. Only the error's class name and
 * system code reach the agent, never its message (which may hold host paths or data).
 */
export class ProviderFailedError extends AgentOsError {
  readonly code = KernelCode.ProviderFailed;
  constructor(
    readonly provider: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`provider "${provider}" failed: ${detail}`, options);
  }
}

/** The provider did not finish within the kernel's timeout; its outcome is unknown. */
export class KernelTimeoutError extends AgentOsError {
  readonly code = KernelCode.Timeout;
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(`action "${action}" did not finish within ${timeoutMs} ms; its outcome is unknown`);
  }
}

/** The caller's AbortSignal fired before the action finished. */
export class KernelAbortedError extends AgentOsError {
  readonly code = KernelCode.Aborted;
  constructor(readonly action: string) {
    super(`action "${action}" was aborted by the caller; its outcome is unknown`);
  }
}

/** The freeze (emergency stop) was set while the action ran: the kernel stopped it (its signal fired). */
export class KernelFrozenError extends AgentOsError {
  readonly code = KernelCode.Frozen;
  constructor(
    readonly action: string,
    reason: string,
  ) {
    super(`action "${action}" was stopped by the freeze (${reason}); its outcome is unknown`);
  }
}

/** `submit` was called after `close()`. Nothing runs; the log is closed, so nothing is recorded. */
export class KernelClosedError extends AgentOsError {
  readonly code = KernelCode.Closed;
  constructor() {
    super('the kernel is closed; create a new Kernel to submit actions');
  }
}

/** Policy evaluation itself failed (a bug, never a user error): the kernel fails closed. */
export class PolicyEvaluationError extends AgentOsError {
  readonly code = KernelCode.PolicyFailed;
  constructor(options?: { cause?: unknown }) {
    super('policy evaluation failed; the action was not executed', options);
  }
}

/** A `beforeExecute` hook failed with an untyped error; the action was not executed. */
export class HookFailedError extends AgentOsError {
  readonly code = KernelCode.HookFailed;
  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the beforeExecute hook failed (${detail}); the action was not executed`, options);
  }
}

/** An undo is not covered by the decision it claims as authority (wrong effect, or another target). */
export class UndoNotAuthorisedError extends AgentOsError {
  readonly code = KernelCode.UndoNotAuthorised;
  constructor(
    readonly undoOf: string,
    readonly problem: string,
  ) {
    super(`undo of ${undoOf} is not authorised: ${problem}`);
  }
}

/** Appending to the audit log failed: this submit and every later one are refused. */
export class AuditWriteError extends AgentOsError {
  readonly code = KernelCode.AuditFailed;
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot append to audit log ${file}; the kernel refuses further actions`, options);
  }
}

/** An option of `new Kernel` that is unknown (a typo) or of the wrong type; nothing was built. */
export class KernelOptionsError extends AgentOsError {
  readonly code = KernelCode.InvalidOptions;
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`invalid Kernel option "${option}": ${problem}`);
  }
}

/** The existing audit log cannot be continued (its last line is not a complete record). */
export class AuditLogCorruptError extends AgentOsError {
  readonly code = KernelCode.AuditCorrupt;
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`audit log ${file} cannot be continued: ${problem} (run \`agent-os audit verify ${file}\`)`);
  }
}
