/**
 * `new Kernel(options)` checks its options before anything is built. A key the kernel does not
 * know is refused, not ignored: a typo of `logPath` (`logpath`, `logFile`) made a kernel that
 * ran every action with no audit log at all, and one of `audit.headDir` kept the head beside
 * the log, where whoever cuts the log removes it too. A `timeoutMs` that is not a positive
 * number (NaN from an unset environment variable, the string "50") was no timeout at all
 * (red team 15). A key given as `undefined` counts as absent.
 */
import { KernelOptionsError } from './errors';

const KERNEL_KEYS: ReadonlySet<string> = new Set(['policy', 'providers', 'logPath', 'audit', 'approve', 'narrow', 'timeoutMs', 'observe', 'freeze']);
const AUDIT_KEYS: ReadonlySet<string> = new Set(['rotateBytes', 'rotateAgeMs', 'headDir', 'noHead']);

/**
 * Checks `new Kernel`'s options (their shape; the policy and providers are checked as they are loaded).
 * @throws KernelOptionsError naming the first option that is unknown or of the wrong type.
 */
export function checkKernelOptions(raw: unknown): void {
  if (!isRecord(raw)) throw new KernelOptionsError('options', 'must be an object { policy, providers, … }');
  unknownKey(raw, KERNEL_KEYS, '');
  const { providers, logPath, audit, approve, narrow, timeoutMs, observe, freeze } = raw;
  if (!Array.isArray(providers)) throw new KernelOptionsError('providers', 'must be an array of providers');
  if (logPath !== undefined && (typeof logPath !== 'string' || logPath === '')) throw new KernelOptionsError('logPath', 'must be a non-empty path');
  if (narrow !== undefined && !Array.isArray(narrow)) throw new KernelOptionsError('narrow', 'must be an array of policies');
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new KernelOptionsError('timeoutMs', 'must be a number of milliseconds > 0 (Infinity for none)');
  }
  for (const [name, value] of [
    ['approve', approve],
    ['observe', observe],
    ['freeze', freeze],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') throw new KernelOptionsError(name, 'must be a function');
  }
  if (audit !== undefined) checkAudit(audit);
}

function checkAudit(audit: unknown): void {
  if (!isRecord(audit)) throw new KernelOptionsError('audit', 'must be an object { rotateBytes?, rotateAgeMs?, headDir?, noHead? }');
  unknownKey(audit, AUDIT_KEYS, 'audit.');
  const { rotateBytes, rotateAgeMs, headDir, noHead } = audit;
  for (const [name, value] of [
    ['rotateBytes', rotateBytes],
    ['rotateAgeMs', rotateAgeMs],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && value > 0)) throw new KernelOptionsError(`audit.${name}`, 'must be a number > 0');
  }
  if (headDir !== undefined && (typeof headDir !== 'string' || headDir === '')) throw new KernelOptionsError('audit.headDir', 'must be a non-empty path');
  if (noHead !== undefined && typeof noHead !== 'boolean') throw new KernelOptionsError('audit.noHead', 'must be true or false');
}

function unknownKey(options: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key) && options[key] !== undefined) {
      throw new KernelOptionsError(`${prefix}${key.slice(0, 64)}`, `is not an option (known: ${[...known].map((k) => prefix + k).join(', ')})`);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
