/**
 * How many alternatives a glob's `{a,b}` groups make, counted without expanding them: the
 * product over groups of (commas + 1). For nested groups (refused by validation) it errs
 * high. Globs are compiled per alternative where a group would lose the dot guard (glob.ts),
 * and a recursive delete expands the deny rules' groups (`mayMatchBelow`), so the count is
 * capped: thirty `{a,b}` groups would be 2^30 alternatives.
 */

/** Most alternatives the brace groups of one glob may make. */
export const MAX_BRACE_ALTERNATIVES = 256;

/**
 * The number of alternatives of `glob`'s brace groups (1 without groups), saturating at
 * `MAX_BRACE_ALTERNATIVES + 1`. Braces inside a `[...]` class do not count.
 *
 * @example
 * braceAlternatives('/w/{a,b}/{x,y,z}'); // 6
 */
export function braceAlternatives(glob: string): number {
  let total = 1;
  const open: number[] = [];
  let inClass = false;
  for (const ch of glob) {
    if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') inClass = true;
    else if (ch === '{') open.push(1);
    else if (ch === ',' && open.length > 0) for (let i = 0; i < open.length; i++) open[i] = (open[i] ?? 1) + 1;
    else if (ch === '}' && open.length > 0) {
      total = Math.min(total * (open.pop() ?? 1), MAX_BRACE_ALTERNATIVES + 1);
    }
  }
  return total;
}
