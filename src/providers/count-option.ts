/**
 * A provider's limit options (bytes, hops, milliseconds) are checked when the provider is
 * built. Each is applied as `Math.min(option, the rule's cap)`, so an option that is not a
 * number — `NaN` from `Number(process.env.UNSET)` above all — would make the cap NaN, which
 * every `bytes > cap` comparison passes: the option and the policy's own `max_bytes` would be
 * gone, silently (red team 15).
 */

/**
 * The value of a count option: `fallback` when absent, else the option itself when it is a
 * whole number of at least `min`; `undefined` for anything else (NaN, ±Infinity, a fraction,
 * a negative number, a string, null) — the caller refuses it.
 * @example
 * countOption(NaN, 1024); // → undefined
 */
export function countOption(value: unknown, fallback: number, min = 0): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min ? value : undefined;
}
