/**
 * Segment-aware globs compiled once (micromatch `makeRe`), with fast paths that give the
 * same answers as the regex (tested against `micromatch.isMatch`): a literal pattern is a
 * string comparison; a tree pattern `<literal>/**` is a prefix test plus a scan for
 * dot-segments; any other glob is tried only on targets that start with its literal base
 * and end with its last segment when that one is literal (`/.env` when the pattern ends in `/.env`).
 *
 * Semantics (micromatch's, relied on and tested): `*` never crosses `/`; `**` spans
 * segments; `/workspace/**` also matches `/workspace` itself — so a deny rule on
 * `/workspace/.git/**` covers deleting `.git` itself, not only what is inside it.
 * With `dot: false`, `*` and `**` do not match segments starting with `.` unless the
 * pattern spells the dot (`/workspace/.git/**`); `..` never matches. Matching is
 * case-sensitive. The empty string matches nothing. A `dot: false` glob with `{a,b}` groups is
 * compiled one alternative at a time, so the dot guard holds inside a group too.
 */
import micromatch from 'micromatch';
import { MAX_BRACE_ALTERNATIVES, braceAlternatives } from './brace-count';

/** A glob ready to match. */
export interface CompiledGlob {
  /** The pattern as written. */
  readonly pattern: string;
  /** Set when the pattern has no wildcard: matching is `===`. */
  readonly exact: string | undefined;
  /** Every match starts with this literal text ('' when unknown). */
  readonly prefix: string;
  /** Every match ends with this text: `/` plus the last segment when that segment is literal ('' otherwise). */
  readonly suffix: string;
  /** Set for `<literal>/**` patterns: the literal, matched without the regex. */
  readonly tree: string | undefined;
  readonly dot: boolean;
  readonly re: RegExp;
}

const SPECIAL = /[*?[\]{}()!+@\\]/;

/**
 * Compiles `pattern` once.
 *
 * @param dot - whether `*`/`**` may match dot-segments (`.git`, `.env`).
 * @throws whatever micromatch throws for a pattern it cannot compile.
 * @example
 * matchGlob(compileGlob('/workspace/**', false), '/workspace/.git/config'); // false
 */
export function compileGlob(pattern: string, dot: boolean): CompiledGlob {
  const re = dot || !pattern.includes('{') ? micromatch.makeRe(pattern, { dot }) : dotGuardedRe(pattern);
  const scan = micromatch.scan(pattern);
  const literal = !scan.isGlob && !pattern.includes('\\') && re.test(pattern);
  const prefix = scan.negated || pattern.includes('\\') ? '' : scan.base;
  const head = pattern.endsWith('/**') ? pattern.slice(0, -3) : undefined;
  const tree = head !== undefined && !head.endsWith('/') && !SPECIAL.test(head) ? head : undefined;
  const last = pattern.slice(pattern.lastIndexOf('/') + 1);
  const suffix = pattern.includes('/') && last !== '' && !SPECIAL.test(last) && !scan.negated ? `/${last}` : '';
  return { pattern, exact: literal ? pattern : undefined, prefix, suffix, tree, dot, re };
}

/**
 * A `dot: false` regex for a glob with brace groups. micromatch compiles `{a,b}` to a regex group
 * in which `*`, `?` and `**` lose their dot guard (`/w/{*.md,x}` matched `/w/.secret.md`), so each
 * alternative is compiled on its own (where the guard holds) and the regex is their union.
 *
 * @throws {Error} when the groups make more than {@link MAX_BRACE_ALTERNATIVES} alternatives.
 */
function dotGuardedRe(pattern: string): RegExp {
  const count = braceAlternatives(pattern);
  if (count > MAX_BRACE_ALTERNATIVES) throw new Error(`glob "${pattern}" has more than ${MAX_BRACE_ALTERNATIVES} brace alternatives`);
  const alternatives = micromatch.braces(pattern, { expand: true, keepEscaping: true });
  return new RegExp(alternatives.map((alt) => micromatch.makeRe(alt, { dot: false }).source).join('|'));
}

/** True if `text` matches the compiled glob. Never throws. */
export function matchGlob(glob: CompiledGlob, text: string): boolean {
  if (glob.exact !== undefined) return text === glob.exact;
  if (text.length === 0) return false;
  if (glob.tree !== undefined) return matchTree(glob.tree, glob.dot, text);
  if (!hasPrefix(text, glob.prefix) || !hasSuffix(text, glob.suffix)) return false;
  return glob.re.test(text);
}

/** `<base>/**`: the base itself, or below it with no dot-segment (dot: false) or no `.`/`..` segment (dot: true). */
function matchTree(base: string, dot: boolean, text: string): boolean {
  if (text === base) return true;
  if (text.charCodeAt(base.length) !== 47 || !hasPrefix(text, base)) return false;
  if (!dot) return text.indexOf('/.', base.length) === -1;
  const rest = text.slice(base.length) + '/';
  return !rest.includes('/./') && !rest.includes('/../');
}

// Hand-written because String.prototype.startsWith/endsWith cost ~60 ns a call in Node 20's
// V8, and most candidates are rejected by the cheap last-character test.
function hasPrefix(text: string, prefix: string): boolean {
  const n = prefix.length;
  if (n === 0) return true;
  if (text.length < n || text.charCodeAt(n - 1) !== prefix.charCodeAt(n - 1)) return false;
  for (let i = 0; i < n - 1; i++) if (text.charCodeAt(i) !== prefix.charCodeAt(i)) return false;
  return true;
}

function hasSuffix(text: string, suffix: string): boolean {
  const n = suffix.length;
  const offset = text.length - n;
  if (offset < 0) return false;
  for (let i = n - 1; i >= 0; i--) if (text.charCodeAt(offset + i) !== suffix.charCodeAt(i)) return false;
  return true;
}

/** One segment of a brace-free path glob: `**`, literal text, or a one-segment regex. */
type SegmentMatcher = { readonly any: true } | { readonly text: string } | { readonly re: RegExp };

const belowCache = new Map<string, readonly (readonly SegmentMatcher[])[]>();

/** The brace alternatives of `pattern`, each split into segment matchers (dot-matching: deny semantics). */
function segmentAlternatives(pattern: string): readonly (readonly SegmentMatcher[])[] {
  let cached = belowCache.get(pattern);
  if (cached === undefined) {
    cached = micromatch
      .braces(pattern, { expand: true })
      .map((alt) =>
        alt.split('/').map((s): SegmentMatcher => (s === '**' ? { any: true } : SPECIAL.test(s) ? { re: micromatch.makeRe(s, { dot: true }) } : { text: s })),
      );
    belowCache.set(pattern, cached);
  }
  return cached;
}

/**
 * True if the path glob `pattern` may match some path strictly below the folder `dir` (an
 * absolute canonical path): what a recursive delete of `dir` would remove. Segment by
 * segment, with `**` spanning any number of segments and `*` matching dot-names (as a deny
 * does). Errs towards true: a segment glob is assumed to match some name.
 *
 * @example
 * mayMatchBelow('/workspace/**\/.git/**', '/workspace/proj'); // true
 * mayMatchBelow('/workspace/data/keep/**', '/workspace/other'); // false
 */
export function mayMatchBelow(pattern: string, dir: string): boolean {
  const parts = dir === '/' ? [''] : dir.split('/');
  return segmentAlternatives(pattern).some((segments) => {
    let states = closure(segments, [0]);
    for (const part of parts) {
      const next: number[] = [];
      for (const i of states) {
        const s = segments[i];
        if (s === undefined) continue;
        if ('any' in s) next.push(i);
        else if ('text' in s ? s.text === part : s.re.test(part)) next.push(i + 1);
      }
      states = closure(segments, next);
      if (states.length === 0) return false;
    }
    return states.some((i) => i < segments.length);
  });
}

/** `states` plus every state reached by letting a `**` match no segment. */
function closure(segments: readonly SegmentMatcher[], states: readonly number[]): number[] {
  const out = new Set<number>();
  const todo = [...states];
  while (todo.length > 0) {
    const i = todo.pop() as number;
    if (out.has(i)) continue;
    out.add(i);
    const s = segments[i];
    if (s !== undefined && 'any' in s) todo.push(i + 1);
  }
  return [...out];
}
