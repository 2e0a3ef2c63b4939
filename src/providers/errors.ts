/**
 * Typed failures of the built-in providers. Each class carries a stable dotted `code`
 * (`Provider.*`) and the offending value; messages name agent-visible values only (agent
 * paths, program names, URLs) and never a credential value or a host path.
 */
import { withheld } from './foreign-text';
import { AgentOsError } from '../errors';

/** Codes of the built-in providers' failures (`Provider.*`). */
export const ProviderCode = {
  InvalidParams: 'Provider.InvalidParams',
  ProgramNotFound: 'Provider.ProgramNotFound',
  ProgramOutsidePath: 'Provider.ProgramOutsidePath',
  CwdOutsideMount: 'Provider.CwdOutsideMount',
  EnvNotAllowed: 'Provider.EnvNotAllowed',
  GitArgumentRefused: 'Provider.GitArgumentRefused',
  HardeningUnavailable: 'Provider.HardeningUnavailable',
  Aborted: 'Provider.Aborted',
  InvalidUrl: 'Provider.InvalidUrl',
  AddressRefused: 'Provider.AddressRefused',
  HostUnresolved: 'Provider.HostUnresolved',
  RedirectDenied: 'Provider.RedirectDenied',
  TooManyRedirects: 'Provider.TooManyRedirects',
  MethodNotAllowed: 'Provider.MethodNotAllowed',
  Timeout: 'Provider.Timeout',
  HttpFailed: 'Provider.HttpFailed',
  CredentialMissing: 'Provider.CredentialMissing',
  InvalidCredentialRule: 'Provider.InvalidCredentialRule',
  /** bubblewrap is missing or cannot start programs (and the sandbox was not turned off). */
  SandboxUnavailable: 'Provider.SandboxUnavailable',
  /** The sandbox's options are unusable. */
  SandboxConfig: 'Provider.SandboxConfig',
  /** bubblewrap failed to set up the sandbox for one program. */
  SandboxFailed: 'Provider.SandboxFailed',
  /** The helper process that starts `proc.exec` programs ended during a run (the program was killed). */
  LauncherLost: 'Provider.LauncherLost',
  /** A rule granted network (`network: proxy`) and the egress proxy cannot be provided. */
  EgressUnavailable: 'Provider.EgressUnavailable',
  /** The egress proxy could not open an allowed connection (upstream refused, timed out, …). */
  EgressFailed: 'Provider.EgressFailed',
} as const;
export type ProviderCode = (typeof ProviderCode)[keyof typeof ProviderCode];

/** A request parameter is missing, of the wrong type, unknown, or outside its bounds. */
export class InvalidParamsError extends AgentOsError {
  readonly code = ProviderCode.InvalidParams;
  constructor(
    readonly param: string,
    readonly problem: string,
  ) {
    super(`invalid parameter "${param}": ${problem}`);
  }
}

/** proc.exec: the program is not an executable file in one of the fixed PATH directories. */
export class ProgramNotFoundError extends AgentOsError {
  readonly code = ProviderCode.ProgramNotFound;
  constructor(
    readonly program: string,
    readonly searched: readonly string[],
  ) {
    super(`program "${program}" is not an executable in the fixed PATH (${searched.join(':')})`);
  }
}

/** proc.exec: the program lies outside the fixed PATH directories or inside a mounted workspace. */
export class ProgramOutsidePathError extends AgentOsError {
  readonly code = ProviderCode.ProgramOutsidePath;
  constructor(
    readonly program: string,
    readonly problem: string,
  ) {
    super(`program "${program}" refused: ${problem}`);
  }
}

/** proc.exec: the working directory is not inside a mount, or its real path escapes the mount. */
export class CwdOutsideMountError extends AgentOsError {
  readonly code = ProviderCode.CwdOutsideMount;
  constructor(
    readonly cwd: string,
    readonly problem: string,
  ) {
    super(`working directory "${cwd}" refused: ${problem}`);
  }
}

/** proc.exec: an environment variable is not on the deciding rule's `env` allow-list. */
export class EnvNotAllowedError extends AgentOsError {
  readonly code = ProviderCode.EnvNotAllowed;
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`environment variable "${variable}" refused: ${problem}`);
  }
}

/** proc.exec of git: an argument would run another program, read outside config, or leave the workspace. */
export class GitArgumentRefusedError extends AgentOsError {
  readonly code = ProviderCode.GitArgumentRefused;
  constructor(
    readonly argument: string,
    readonly problem: string,
  ) {
    super(`git argument ${JSON.stringify(argument)} refused: ${problem}`);
  }
}

/** Hardening was requested but cannot be applied on this machine (e.g. `prlimit` missing). */
export class HardeningUnavailableError extends AgentOsError {
  readonly code = ProviderCode.HardeningUnavailable;
  constructor(readonly problem: string) {
    super(`process hardening unavailable: ${problem}`);
  }
}

/**
 * proc.exec: programs run only inside the OS sandbox (bubblewrap), and it is missing or does
 * not work here. Install it (`npm run setup`, or `apt-get install bubblewrap`), or turn the
 * sandbox off explicitly (`ProcessProviderOptions.sandbox: 'off'`; loud warning, recorded).
 */
export class SandboxUnavailableError extends AgentOsError {
  readonly code = ProviderCode.SandboxUnavailable;
  constructor(readonly problem: string) {
    super(
      `proc.exec refused: the OS sandbox is unavailable (${problem}); install bubblewrap (npm run setup, or apt-get install bubblewrap) or set the process provider's sandbox option to 'off' explicitly`,
    );
  }
}

/** The sandbox was configured in a way that would expose the host (no mounts, a mount over a system folder, …). */
export class SandboxConfigError extends AgentOsError {
  readonly code = ProviderCode.SandboxConfig;
  constructor(readonly problem: string) {
    super(`sandbox configuration refused: ${problem}`);
  }
}

/** The sandbox could not start the program (bubblewrap failed before the program ran). */
export class SandboxFailedError extends AgentOsError {
  readonly code = ProviderCode.SandboxFailed;
  constructor(readonly detail: string) {
    super(`the sandbox could not start the program: ${detail}`);
  }
}

/**
 * proc.exec: the helper process that starts programs (the spawner, see
 * providers/spawner/client.ts) ended while this program ran; the program was killed with it.
 * The next `proc.exec` starts a new helper.
 */
export class LauncherLostError extends AgentOsError {
  readonly code = ProviderCode.LauncherLost;
  constructor(readonly detail: string) {
    super(`proc.exec failed: the process launcher ended during the run (${detail}); the program was killed`);
  }
}

/**
 * proc.exec: the deciding rule grants network through the egress proxy and the proxy cannot
 * be provided (no kernel egress hook, the proxy or its in-sandbox forwarder did not start).
 * Nothing ran; the program never runs with network the kernel does not decide.
 */
export class EgressUnavailableError extends AgentOsError {
  readonly code = ProviderCode.EgressUnavailable;
  constructor(
    readonly problem: string,
    readonly what = 'proc.exec',
  ) {
    super(`${what} refused: network through the egress proxy was granted, but ${problem}; nothing ran`);
  }
}

/** The egress proxy could not open a connection the policy allowed (recorded as the connection's ERROR). */
export class EgressFailedError extends AgentOsError {
  readonly code = ProviderCode.EgressFailed;
  constructor(
    readonly target: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`connection to ${target} failed: ${problem}`, options);
  }
}

/** A running provider call was aborted through the context's AbortSignal. */
export class ProviderAbortedError extends AgentOsError {
  readonly code = ProviderCode.Aborted;
  constructor(
    readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(`${action} was aborted`, options);
  }
}

/** net.http: the URL is not an absolute http(s) URL the provider accepts. */
export class InvalidUrlError extends AgentOsError {
  readonly code = ProviderCode.InvalidUrl;
  constructor(
    readonly url: string,
    readonly problem: string,
  ) {
    super(`URL ${JSON.stringify(url)} refused: ${problem}`);
  }
}

/** net.http: a resolved address is private, loopback, link-local, metadata, ... and not opted in. */
export class AddressRefusedError extends AgentOsError {
  readonly code = ProviderCode.AddressRefused;
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: string,
  ) {
    super(`host "${host}" resolves to ${address} (${addressClass}); only public addresses are reachable unless opted in`);
  }
}

/** net.http: the host name could not be resolved. */
export class HostUnresolvedError extends AgentOsError {
  readonly code = ProviderCode.HostUnresolved;
  constructor(
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(`host "${host}" could not be resolved`, options);
  }
}

/** net.http: a redirect hop was not allowed by a fresh policy decision (or no decision hook exists). */
export class RedirectDeniedError extends AgentOsError {
  readonly code = ProviderCode.RedirectDenied;
  constructor(
    readonly location: string,
    readonly reason: string,
  ) {
    super(`redirect to ${location} refused: ${reason}`);
    // The Location is the server's (its host and path too), and a decision's reason names it.
    this.auditMessage = `redirect refused: ${withheld(`${location} ${reason}`, 'the Location and the reason')}`;
  }

  override readonly auditMessage: string;
}

/** net.http: more redirects than `maxRedirects`. */
export class TooManyRedirectsError extends AgentOsError {
  readonly code = ProviderCode.TooManyRedirects;
  constructor(readonly limit: number) {
    super(`more than ${limit} redirects`);
  }
}

/** net.http: the method is not in the deciding rule's `method` constraint. */
export class MethodNotAllowedError extends AgentOsError {
  readonly code = ProviderCode.MethodNotAllowed;
  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super(`method ${method} is not allowed here (allowed: ${allowed.join(', ')})`);
  }
}

/** net.http: the request did not complete within its timeout. */
export class HttpTimeoutError extends AgentOsError {
  readonly code = ProviderCode.Timeout;
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`request to ${url} did not complete within ${timeoutMs} ms`);
  }
}

/** net.http: the connection or the exchange failed (refused, reset, TLS, malformed response). */
export class HttpFailedError extends AgentOsError {
  readonly code = ProviderCode.HttpFailed;
  constructor(
    readonly url: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`request to ${url} failed: ${detail}`, options);
  }
}

/** A credential rule names an environment variable that is unset or empty (thrown at construction). */
export class CredentialMissingError extends AgentOsError {
  readonly code = ProviderCode.CredentialMissing;
  constructor(
    readonly variable: string,
    readonly match: string,
  ) {
    super(`credential for ${match} reads environment variable ${variable}, which is unset or empty`);
  }
}

/** A credential rule is malformed (thrown at construction). */
export class InvalidCredentialRuleError extends AgentOsError {
  readonly code = ProviderCode.InvalidCredentialRule;
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(`credential rule [${index}] is invalid: ${problem}`);
  }
}
