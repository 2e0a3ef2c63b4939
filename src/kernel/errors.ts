/**
 * Typed failures of the kernel and of the built-in filesystem provider. Each class has a
 * stable dotted `code`; `submit` never throws them at the caller but returns them as
 * `ActionResult.code`, and writes them into the audit record.
 */
import { AgentOsError } from '../errors';

/** The raw request is not `{ action: string, target: string, params?: object }`. */
export class MalformedRequestError extends AgentOsError {
  readonly code = 'Kernel.MalformedRequest';
  constructor(readonly problem: string) {
    super(`malformed request: ${problem}`);
  }
}

/** No registered provider executes this action; the action never runs. */
export class NoProviderError extends AgentOsError {
  readonly code = 'Kernel.NoProvider';
  constructor(readonly action: string) {
    super(`no provider executes action "${action}" (no provider is registered for it, so it is denied by default)`);
  }
}

/** Two providers claim the same action (thrown by the `Kernel` constructor). */
export class DuplicateActionError extends AgentOsError {
  readonly code = 'Kernel.DuplicateAction';
  constructor(readonly action: string, readonly providers: readonly [string, string]) {
    super(`action "${action}" is claimed by both provider "${providers[0]}" and provider "${providers[1]}"`);
  }
}

/** A provider object does not satisfy the `Provider` contract (thrown by the `Kernel` constructor). */
export class InvalidProviderError extends AgentOsError {
  readonly code = 'Kernel.InvalidProvider';
  constructor(readonly provider: string, readonly problem: string) {
    super(`provider "${provider}" is invalid: ${problem}`);
  }
}

/**
 * A provider failed with an error that is not one of ours. Only the error's class name and
 * system code reach the agent, never its message (which may hold host paths or data).
 */
export class ProviderFailedError extends AgentOsError {
  readonly code = 'Kernel.ProviderFailed';
  constructor(readonly provider: string, readonly detail: string, options?: { cause?: unknown }) {
    super(`provider "${provider}" failed: ${detail}`, options);
  }
}

/** The provider did not finish within the kernel's timeout; its outcome is unknown. */
export class KernelTimeoutError extends AgentOsError {
  readonly code = 'Kernel.Timeout';
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`action "${action}" did not finish within ${timeoutMs} ms; its outcome is unknown`);
  }
}

/** The caller's AbortSignal fired before the action finished. */
export class KernelAbortedError extends AgentOsError {
  readonly code = 'Kernel.Aborted';
  constructor(readonly action: string) {
    super(`action "${action}" was aborted by the caller; its outcome is unknown`);
  }
}

/** `submit` was called after `close()`. Nothing runs; the log is closed, so nothing is recorded. */
export class KernelClosedError extends AgentOsError {
  readonly code = 'Kernel.Closed';
  constructor() {
    super('the kernel is closed; create a new Kernel to submit actions');
  }
}

/** Policy evaluation itself failed (a bug, never a user error): the kernel fails closed. */
export class PolicyEvaluationError extends AgentOsError {
  readonly code = 'Kernel.PolicyFailed';
  constructor(options?: { cause?: unknown }) {
    super('policy evaluation failed; the action was not executed', options);
  }
}

/** A `beforeExecute` hook failed with an untyped error; the action was not executed. */
export class HookFailedError extends AgentOsError {
  readonly code = 'Kernel.HookFailed';
  constructor(readonly detail: string, options?: { cause?: unknown }) {
    super(`the beforeExecute hook failed (${detail}); the action was not executed`, options);
  }
}

/** An undo is not covered by the decision it claims as authority (wrong effect, or another target). */
export class UndoNotAuthorisedError extends AgentOsError {
  readonly code = 'Kernel.UndoNotAuthorised';
  constructor(readonly undoOf: string, readonly problem: string) {
    super(`undo of ${undoOf} is not authorised: ${problem}`);
  }
}

/** Appending to the audit log failed: this submit and every later one are refused. */
export class AuditWriteError extends AgentOsError {
  readonly code = 'Kernel.AuditFailed';
  constructor(readonly file: string, options?: { cause?: unknown }) {
    super(`cannot append to audit log ${file}; the kernel refuses further actions`, options);
  }
}

/** The existing audit log cannot be continued (its last line is not a complete record). */
export class AuditLogCorruptError extends AgentOsError {
  readonly code = 'Kernel.AuditCorrupt';
  constructor(readonly file: string, readonly problem: string) {
    super(`audit log ${file} cannot be continued: ${problem} (run \`agent-os audit verify ${file}\`)`);
  }
}

/** The path does not exist (message carries the agent-visible path only). */
export class FsNotFoundError extends AgentOsError {
  readonly code = 'Fs.NotFound';
  constructor(readonly path: string) {
    super(`no such file or directory: ${path}`);
  }
}

/** The file is a FIFO, device, socket, symlink or has more than one hard link, or changed since it was judged. */
export class FsUnsafeFileError extends AgentOsError {
  readonly code = 'Fs.UnsafeFile';
  constructor(readonly path: string, readonly problem: string) {
    super(`refusing ${path}: ${problem}`);
  }
}

/** The path lies, or resolves (through a symlink), outside every mount. */
export class FsEscapeError extends AgentOsError {
  readonly code = 'Fs.Escape';
  constructor(readonly path: string) {
    super(`${path} resolves outside every mount`);
  }
}

/** The content exceeds the `max_bytes` cap that applies to this write. */
export class FsTooLargeError extends AgentOsError {
  readonly code = 'Fs.TooLarge';
  constructor(readonly path: string, readonly bytes: number, readonly maxBytes: number) {
    super(`${bytes} bytes for ${path} exceed the cap of ${maxBytes} bytes`);
  }
}

/** The operation does not fit the kind of file (e.g. fs.read on a directory, fs.list on a file). */
export class FsWrongTypeError extends AgentOsError {
  readonly code = 'Fs.WrongType';
  constructor(readonly path: string, readonly expected: string) {
    super(`${path} is not ${expected}`);
  }
}

/** Deleting a directory needs `recursive: true` in the params and in the deciding rule's constraint. */
export class FsRecursiveNotAllowedError extends AgentOsError {
  readonly code = 'Fs.RecursiveNotAllowed';
  constructor(readonly path: string) {
    super(`${path} is a directory; deleting it needs params.recursive and a rule with constraint recursive: true`);
  }
}

/** A parameter of an fs action has the wrong type or value. */
export class FsInvalidParamError extends AgentOsError {
  readonly code = 'Fs.InvalidParam';
  constructor(readonly param: string, readonly problem: string) {
    super(`invalid param "${param}": ${problem}`);
  }
}

/** A mount of the filesystem provider is unusable (thrown by the provider's constructor). */
export class FsInvalidMountError extends AgentOsError {
  readonly code = 'Fs.InvalidMount';
  constructor(readonly mountPoint: string, readonly problem: string) {
    super(`invalid mount ${JSON.stringify(mountPoint)}: ${problem}`);
  }
}
