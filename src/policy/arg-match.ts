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
 *
 * Short-option clusters. An argument of one `-` followed by two or more characters, the
 * second not `-` (`-ec`, `-Ic`, `-cCODE`), is a cluster: getopt reads it as `-e -c`, or as
 * `-c` with the value `CODE` attached, and which letters take a value is known only to the
 * program. So a cluster `-xyz` is judged as the options `-x`, `-y`, `-z` it may contain and
 * as the values `yz`, `z` that may be attached:
 *
 * - `deny_args` (and a deny rule's `args`) covers a cluster when it covers the argument as
 *   written, or any of those options or values (fail closed: `-ec`, `-Ic`, `-cCODE` are all
 *   caught by `-c`);
 * - a grant's `args` glob admits a cluster when it admits each of its options `-x`, `-y`,
 *   `-z`, or when the glob is literal text equal to the argument (`-rn` grants exactly
 *   `-rn`). `{-l,-a}` admits `-la`; `-[IvqB]*` admits `-Iq` but not `-Ic` (the glob
 *   matches the text `-Ic`, but not the option `-c`). Write an option and its value as two
 *   arguments to grant them.
 *
 * The price: single-dash long options (`find -exec`, `java -jar`) are judged as clusters too,
 * so `deny_args: ['-c']` also refuses `find -exec`.
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

/** True if `arg` is a short-option cluster: `-` and two or more characters, the second not `-`. */
export function isOptionCluster(arg: string): boolean {
  return arg.length > 2 && arg[0] === '-' && arg[1] !== '-';
}

/** The single options `-x` a cluster may contain (one per character after the dash). */
export function clusterOptions(arg: string): string[] {
  return [...arg.slice(1)].map((ch) => `-${ch}`);
}

/** The values a cluster may carry attached to one of its options: every non-empty rest after a character. */
export function clusterValues(arg: string): string[] {
  const chars = [...arg.slice(1)];
  return chars.slice(1).map((_, i) => chars.slice(i + 1).join(''));
}

const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

/** Grant semantics for one argument: the glob admits it, or for a cluster each option in it (or names it literally). */
function grantMatches(glob: CompiledGlob, arg: string): boolean {
  if (!isOptionCluster(arg)) return matchGlob(glob, arg);
  if (glob.pattern === arg && !GLOB_SYNTAX.test(glob.pattern)) return true;
  return clusterOptions(arg).every((option) => matchGlob(glob, option));
}

/** Deny semantics for one argument: the glob covers it as written, or an option or value in it. */
function denyMatches(glob: CompiledGlob, arg: string): boolean {
  if (matchGlob(glob, arg)) return true;
  if (!isOptionCluster(arg)) return false;
  return clusterOptions(arg).some((o) => matchGlob(glob, o)) || clusterValues(arg).some((v) => matchGlob(glob, v));
}

/**
 * True if `args` satisfies the positional patterns. `mode` says how a short-option cluster
 * counts: `grant` (default) needs every option in it admitted, `deny` any part covered.
 */
export function argsMatch(m: ArgsMatcher, args: readonly string[], mode: 'grant' | 'deny' = 'grant'): boolean {
  if (args.length < m.positional.length) return false;
  if (args.some((a) => a.length > MAX_JUDGED_ARG_LENGTH)) return mode === 'deny';
  if (args.length > m.positional.length && !m.rest) return false;
  const matches = mode === 'grant' ? grantMatches : denyMatches;
  for (let i = 0; i < m.positional.length; i++) {
    if (!matches(m.positional[i] as CompiledGlob, args[i] as string)) return false;
  }
  return true;
}

/** An option-looking argument: `-` and at least one more character. */
function isOption(arg: string): boolean {
  return arg.length > 1 && arg.charCodeAt(0) === 45; // '-'
}

/**
 * Restriction semantics (a deny rule's `args`, an ask where a capability allows the request):
 * {@link argsMatch} in `deny` mode, also after leading options and their values. Programs take
 * global options before a subcommand (`git --no-pager push`, `git -C dir push`), so a restriction
 * `[push, '**']` must not be dodged by them: it is tried at every start that only options (and a
 * value right after an option without `=`) precede. `git commit -m push` is not covered (the
 * first argument is no option).
 */
export function argsCover(m: ArgsMatcher, args: readonly string[]): boolean {
  if (argsMatch(m, args, 'deny')) return true;
  for (let i = 1; i < args.length; i++) {
    const here = args[i - 1] as string;
    const before = i >= 2 ? (args[i - 2] as string) : undefined;
    const optionish = isOption(here) || (before !== undefined && isOption(before) && !before.includes('='));
    if (!optionish || !isOption(args[0] as string)) return false;
    if (argsMatch(m, args.slice(i), 'deny')) return true;
  }
  return false;
}

/** The first argument that `deny_args` covers, or `undefined`. */
export function deniedArg(m: DenyArgsMatcher, args: readonly string[]): string | undefined {
  for (const arg of args) if (isDeniedArg(m, arg)) return arg;
  return undefined;
}

function isDeniedArg(m: DenyArgsMatcher, arg: string): boolean {
  if (arg.length > MAX_JUDGED_ARG_LENGTH) return true;
  if (m.globs.some((g) => denyMatches(g, arg))) return true;
  if (!arg.startsWith('--') || arg.length <= 2) return false;
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  if (eq >= 0) {
    const value = arg.slice(eq + 1);
    if (m.globs.some((g) => matchGlob(g, name) || matchGlob(g, value))) return true;
  }
  return name.length > 2 && m.longOptions.some((option) => option.startsWith(name));
}
