/**
 * "Did you mean" suggestions for misspelled keys and action names.
 */

/** Levenshtein distance between two strings (case-sensitive). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo:
 * an exact case-insensitive match, or at most ⌈len/3⌉ edits (max 3) away.
 *
 * @example
 * closest('fs.wirte', ['fs.read', 'fs.write']); // 'fs.write'
 * closest('Fs.Read', ['fs.read']);              // 'fs.read'
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const caseOnly = candidates.find((c) => c.toLowerCase() === lower);
  if (caseOnly !== undefined) return caseOnly;
  const limit = Math.min(3, Math.ceil(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** A hint sentence: `did you mean "x"?` when a close candidate exists, else `fallback`. */
export function didYouMean(word: string, candidates: readonly string[], fallback: string): string {
  const match = closest(word, candidates);
  return match === undefined ? fallback : `did you mean "${match}"?`;
}
