/**
 * A provider's options are checked for keys it does not know: one is refused, not ignored.
 * A misspelt safety option was silently no option — `hardning: { uid }` ran bubblewrap as
 * root on a root worker (a program's files setuid-root on the host), `limit` kept the
 * default sandbox limits, `maxbytes` the default cap (red team 15). A key given as
 * `undefined` counts as absent.
 */

/**
 * The first key of `options` not in `known` (with a value), or undefined.
 * @example
 * unknownOptionKey({ mounts: {}, hardning: {} }, ['mounts', 'hardening']); // → 'hardning'
 */
export function unknownOptionKey(options: object, known: readonly string[]): string | undefined {
  const o = options as Record<string, unknown>;
  return Object.keys(o).find((key) => !known.includes(key) && o[key] !== undefined);
}

/** The problem text for an unknown key of a provider's options. */
export function unknownOptionProblem(provider: string, known: readonly string[]): string {
  return `is not a ${provider} option (known: ${known.join(', ')}); a misspelt option would silently be none`;
}
