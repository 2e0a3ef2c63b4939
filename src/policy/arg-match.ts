/**
 * Judging program arguments (`proc.exec` constraints `args` and `deny_args`).
 *
 * `args` is positional: the i-th argument must match the i-th glob, and there must be
 * exactly as many arguments as globs, unless the last entry is `**`, which admits any
 * further arguments, or none (elsewhere `**` is one argument of any text). Positional,
 * not set semantics, because meaning depends on position (`git push origin` vs
 * `git origin push`) and a set would let a permitted word appear anywhere. Globs are
 * segment-aware here too: `*` does not cross `/`. An empty argument matches only `''`.
 *
 * `deny_args` applies to every argument, and for `--name=value` also to `--name` and to
 * `value` separately. A long option is also judged as every long option in `deny_args`
 * it is a prefix of, with a minimum of ONE character after `--`: git and getopt_long
 * accept any unambiguous prefix (`--upload-pac`, even `--u` when unique), so any longer
 * minimum could be dodged. The price: an allowed option that happens to be a prefix of a
 * denied one (`--exec` when `--exec-path` is denied) is refused too.
 */
import { compileGlob, matchGlob, type CompiledGlob } from './glob';

/** Compiled `args`: positional globs and whether further arguments are allowed. */
export interface ArgsMatcher {
  readonly positional: readonly CompiledGlob[];
  readonly rest: boolean;
}

/** Compiled `deny_args`: globs plus the literal long options they name (for abbreviations). */
export interface DenyArgsMatcher {
  readonly globs: readonly CompiledGlob[];
  readonly longOptions: readonly string[];
}

/** Compiles an `args` list (a last `**` admits further arguments). */
export function compileArgs(patterns: readonly string[], dot: boolean): ArgsMatcher {
  const rest = patterns.length > 0 && patterns[patterns.length - 1] === '**';
  const positional = (rest ? patterns.slice(0, -1) : patterns).map((p) => compileGlob(p, dot));
  return { positional, rest };
}

/** Compiles a `deny_args` list (always dot-matching: a deny must not be dodged by a leading dot). */
export function compileDenyArgs(patterns: readonly string[]): DenyArgsMatcher {
  // Literal heads of long options, e.g. '--upload-pack' from '--upload-pack' or '--upload-pack=*'.
  const longOptions: string[] = [];
  for (const p of patterns) {
    const literal = /^[^*?[\]{}()!+@\\=]*/.exec(p)?.[0] ?? '';
    if (literal.startsWith('--') && literal.length > 2) longOptions.push(literal);
  }
  return { globs: patterns.map((p) => compileGlob(p, true)), longOptions };
}

/**
 * Longest argument judged against globs. Longer arguments fail closed: they satisfy no
 * `args` pattern and count as denied by any `deny_args` (matching time grows with length).
 */
export const MAX_JUDGED_ARG_LENGTH = 4096;

/** True if `args` satisfies the positional patterns. */
export function argsMatch(m: ArgsMatcher, args: readonly string[]): boolean {
  if (args.length < m.positional.length) return false;
  if (args.some((a) => a.length > MAX_JUDGED_ARG_LENGTH)) return false;
  if (args.length > m.positional.length && !m.rest) return false;
  for (let i = 0; i < m.positional.length; i++) {
    if (!matchGlob(m.positional[i] as CompiledGlob, args[i] as string)) return false;
  }
  return true;
}

/** The first argument that `deny_args` covers, or `undefined`. */
export function deniedArg(m: DenyArgsMatcher, args: readonly string[]): string | undefined {
  for (const arg of args) if (isDeniedArg(m, arg)) return arg;
  return undefined;
}

function isDeniedArg(m: DenyArgsMatcher, arg: string): boolean {
  if (arg.length > MAX_JUDGED_ARG_LENGTH) return true;
  if (m.globs.some((g) => matchGlob(g, arg))) return true;
  if (!arg.startsWith('--') || arg.length <= 2) return false;
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  if (eq >= 0) {
    const value = arg.slice(eq + 1);
    if (m.globs.some((g) => matchGlob(g, name) || matchGlob(g, value))) return true;
  }
  return name.length > 2 && m.longOptions.some((option) => option.startsWith(name));
}
