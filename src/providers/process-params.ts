/**
 * The parameters of `proc.exec`, checked strictly: unknown keys are refused (never ignored),
 * so a misspelt `timeout` cannot silently fall back to the default.
 */
import { InvalidParamsError } from './errors';

/** `proc.exec` params. `cwd` is an agent path inside a mount. */
export interface ProcessParams {
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeout_ms?: number;
  readonly stdin?: string;
}

const KEYS = new Set(['args', 'cwd', 'env', 'timeout_ms', 'stdin']);

/**
 * The longest timeout a program can have: Node's timers hold at most 2^31 − 1 ms, and a longer
 * one fires after 1 ms (with a warning), which would end the program at once.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks raw params.
 * @throws InvalidParamsError naming the first bad key.
 * @example
 * parseProcessParams({ args: ['status'], timeout_ms: 5000 }); // ok
 * parseProcessParams({ timeout: 5000 }); // throws Provider.InvalidParams
 */
export function parseProcessParams(raw: Readonly<Record<string, unknown>>): ProcessParams {
  for (const key of Object.keys(raw)) {
    if (!KEYS.has(key)) throw new InvalidParamsError(key, `unknown parameter; proc.exec takes ${[...KEYS].join(', ')}`);
  }
  const { args, cwd, env, timeout_ms: timeout, stdin } = raw;
  if (args !== undefined && (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !a.includes('\0')))) {
    throw new InvalidParamsError('args', 'must be a list of strings without NUL bytes');
  }
  if (cwd !== undefined && typeof cwd !== 'string') throw new InvalidParamsError('cwd', 'must be a string');
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string'))) {
    throw new InvalidParamsError('env', 'must be an object of string values');
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MS)) {
    throw new InvalidParamsError('timeout_ms', `must be a positive integer of at most ${MAX_TIMEOUT_MS} (about 24.8 days)`);
  }
  if (stdin !== undefined && typeof stdin !== 'string') throw new InvalidParamsError('stdin', 'must be a string');
  return raw as ProcessParams;
}
