/**
 * The environment of a child process, built from nothing: never from the worker's
 * `process.env`. Only variables the deciding rule's `env` allow-list admits pass, with
 * values the request supplies; PATH is always the provider's fixed PATH.
 *
 * Decision: worker values are never inherited by name. A variable the agent may set is set
 * by the agent (and is therefore visible in the request and the workflow history); constant
 * worker-side values (`LANG`, `HOME`, ...) come from `ProcessProviderOptions.baseEnv`.
 */
import micromatch from 'micromatch';
import { EnvNotAllowedError, InvalidParamsError } from './errors';

/**
 * Names that change how programs load code, run helpers or read config. They pass only when
 * the allow-list names them literally; a glob such as `*` or `GIT_*` never admits them.
 */
export const DANGEROUS_ENV_PATTERNS: readonly RegExp[] = [
  /^LD_/,
  /^DYLD_/,
  /^GIT_CONFIG/,
  /^GIT_SSH/,
  /^GIT_EXEC_PATH$/,
  /^GIT_ASKPASS$/,
  /^SSH_ASKPASS/,
  /^GIT_PROXY_COMMAND$/,
  /^GIT_EXTERNAL_DIFF$/,
  /^GIT_DIR$/,
  /^GIT_WORK_TREE$/,
  /^GIT_TEMPLATE_DIR$/,
  /^GIT_(EDITOR|PAGER|SEQUENCE_EDITOR)$/,
  /^(PAGER|MANPAGER|EDITOR|VISUAL|LESSOPEN|LESSCLOSE)$/,
  /^(BASH_ENV|ENV|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|IFS|CDPATH|BASH_FUNC_.*)$/,
  /^(NODE_OPTIONS|NODE_PATH|PYTHONSTARTUP|PYTHONPATH|PYTHONHOME|PERL5OPT|PERL5LIB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS)$/,
  // Found by red team 15b: options and helpers of ordinary tools, loaders of other languages.
  /^(TAR_OPTIONS|GCONV_PATH|PERLLIB|PERL5DB|PYTHONUSERBASE|PYTHONWARNINGS|JDK_JAVA_OPTIONS|GOFLAGS|RUSTC|RUSTC_WRAPPER)$/,
  /^(LUA_INIT|LUA_PATH|LUA_CPATH)(_5_\d)?$/,
  /^(MAKEFLAGS|GNUMAKEFLAGS|MFLAGS|CURL_HOME|WGETRC|XDG_CONFIG_HOME|ZDOTDIR)$/,
  /^CARGO_/,
  /^npm_config_/i,
];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True if `name` is one of {@link DANGEROUS_ENV_PATTERNS}. */
export function isDangerousEnvName(name: string): boolean {
  return DANGEROUS_ENV_PATTERNS.some((pattern) => pattern.test(name));
}

/**
 * True if the allow-list admits `name`: a literal entry always does; a glob entry
 * (`LC_*`) does only for names that are not dangerous.
 */
export function envAllowed(name: string, allowList: readonly string[]): boolean {
  if (allowList.includes(name)) return true;
  if (isDangerousEnvName(name)) return false;
  return allowList.some((entry) => micromatch.isMatch(name, entry));
}

/** Inputs of {@link buildProcessEnv}. */
export interface ProcessEnvInput {
  /** The deciding rule's `env` constraint (absent = no variable may be set). */
  readonly allowList: readonly string[] | undefined;
  /** Variables the request asks for (`params.env`). */
  readonly requested: Readonly<Record<string, string>> | undefined;
  /** The fixed PATH directories. */
  readonly path: readonly string[];
  /** Operator constants set before the requested variables. */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Set last, overriding everything (e.g. git's hardening variables). */
  readonly forced?: Readonly<Record<string, string>>;
}

/**
 * Builds a child environment.
 * @throws EnvNotAllowedError for PATH, or a name the allow-list does not admit.
 * @throws InvalidParamsError for a malformed name or a value with a NUL byte.
 * @example
 * buildProcessEnv({ allowList: ['LANG'], requested: { LANG: 'C' }, path: ['/usr/bin'] });
 * // → { PATH: '/usr/bin', LANG: 'C' }
 */
export function buildProcessEnv(input: ProcessEnvInput): Record<string, string> {
  const env: Record<string, string> = { ...input.baseEnv };
  for (const [name, value] of Object.entries(input.requested ?? {})) {
    if (!NAME.test(name)) throw new InvalidParamsError('env', `${JSON.stringify(name)} is not a variable name`);
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new InvalidParamsError('env', `value of ${name} must be a string without NUL bytes`);
    }
    if (name === 'PATH') throw new EnvNotAllowedError(name, 'PATH is always the fixed PATH');
    if (!envAllowed(name, input.allowList ?? [])) {
      const why = isDangerousEnvName(name)
        ? 'it changes how programs load code or run helpers, so the rule must name it literally'
        : "it is not on the rule's env allow-list";
      throw new EnvNotAllowedError(name, why);
    }
    env[name] = value;
  }
  Object.assign(env, input.forced);
  env['PATH'] = input.path.join(':');
  return env;
}
