/**
 * Built-in providers: the side effects behind the actions, each safe at use time.
 */
export { FilesystemProvider, type FilesystemProviderOptions } from './filesystem';
export { Durability } from './fs-write';
export { MountTable, type Mount } from './mounts';
export { ProcessProvider, SandboxMode, type ProcessProviderOptions, type ProcessHardening, type ProcessResult } from './process';
export {
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
  type SandboxMount,
  type SandboxLimits,
  type SandboxSpec,
  type SandboxCommand,
} from './sandbox/index';
export { HttpProvider, type HttpProviderOptions } from './http';
export type { HttpResult } from './http-params';
export { CredentialStore, type CredentialRule } from './secrets';
export {
  FsNotFoundError,
  FsUnsafeFileError,
  FsEscapeError,
  FsTooLargeError,
  FsWrongTypeError,
  FsRecursiveNotAllowedError,
  FsProtectedError,
  FsInvalidParamError,
  FsInvalidMountError,
} from './fs-errors';
export {
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
} from './errors';
