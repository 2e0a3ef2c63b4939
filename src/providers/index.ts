/**
 * Built-in providers: the side effects behind the actions, each safe at use time.
 */
export { FilesystemProvider, type FilesystemProviderOptions } from './filesystem';
export { Durability } from './fs-write';
export { MountTable, type Mount } from './mounts';
export { ProcessProvider, SandboxMode, type ProcessProviderOptions, type ProcessHardening, type ProcessResult } from './process';
export {
  buildSandboxCommand,
  checkSandboxMounts,
  probeSandbox,
  readSandboxInfo,
  terminateSandboxedProgram,
  killSandbox,
  isSandboxGone,
  waitSandboxGone,
  decodeSandboxExit,
  SandboxNetwork,
  DEFAULT_SANDBOX_LIMITS,
  spawnSandboxed,
  type SandboxedChild,
  type SandboxProbe,
  type SandboxInfo,
  type SandboxMount,
  type SandboxLimits,
  type SandboxSpec,
  type SandboxCommand,
} from './sandbox/index';
export { HttpProvider, type HttpProviderOptions } from './http';
export type { HttpResult, HttpParams } from './http-params';
export { CredentialStore, type CredentialRule } from './secrets';
export { classifyAddress, normalizeAddress, assertAddressAllowed, AddressClass } from './net-guard';
export { guardGitArgs, guardGitEnv, GIT_SUBCOMMANDS, GIT_HARDENING_CONFIG, GIT_HARDENING_ENV } from './git-guard';
export type { Resolver } from './http-connect';
export {
  FsNotFoundError,
  FsUnsafeFileError,
  FsEscapeError,
  FsTooLargeError,
  FsWrongTypeError,
  FsRecursiveNotAllowedError,
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
