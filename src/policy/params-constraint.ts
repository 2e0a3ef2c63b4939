/**
 * The `params` constraint: conditions on a request's structured arguments, for `mcp.call`
 * (judged on `params.arguments`, the tool's arguments) and for custom providers' actions
 * (judged on `params`). Keys are argument paths (`path`, `options.mode`: object keys joined
 * by `.`); values are conditions (validate-params.ts):
 *
 * | written as | means |
 * |---|---|
 * | `'/workspace/output/**'` | a glob the string must match (segment-aware, as for resources) |
 * | `3`, `true`, `null` | this exact value |
 * | `[a, 'b*', 3]` | one of these alternatives |
 * | `{ match, min, max, max_length }` | all stated facets: alternatives, a numeric range (inclusive), a length cap (characters of a string, items of a list) |
 *
 * A list value is judged item by item for `match`/`min`/`max` (every item must satisfy a
 * grant; one item suffices for a deny) and as a whole for `max_length`.
 *
 * Same rules as the built-in constraints (constraint.ts). GRANT (capabilities, ask): every
 * named argument must be present, well-formed and within every facet; arguments not named
 * are not judged. DENY: the rule applies when every named argument is within its
 * condition, where a missing or malformed argument counts as within (unstated =
 * forbidden), `min`/`max`/`max_length` describe limits a forbidden value goes beyond (as
 * `max_bytes` does), and `match` describes forbidden values.
 *
 * Fail-closed details: a string longer than {@link MAX_JUDGED_ARG_LENGTH} or holding NUL
 * matches no glob of a grant and every glob of a deny; a glob starting with `/` only ever
 * judges a normalised absolute path (no `.`/`..`/empty segments): any other string
 * (`/workspace/output/../secret`, `secret.txt`) is outside such a grant and inside such a deny;
 * and a string with a `.` or `..` segment (`./secrets/key`, `a/../b`) is judged by no glob at all
 * (outside every grant, inside every deny, and inside an ask judged as a restriction).
 */
import { MAX_JUDGED_ARG_LENGTH } from './arg-match';
import { compileGlob, matchGlob, type CompiledGlob } from './glob';
import type { ParamCondition } from './types';

type Scalar = string | number | boolean | null;

/** One compiled condition. */
interface CompiledCondition {
  readonly path: readonly string[];
  readonly written: string;
  readonly globs: readonly CompiledGlob[] | undefined;
  readonly exact: readonly Scalar[] | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly maxLength: number | undefined;
}

/** A compiled `params` constraint. */
export type CompiledParams = readonly CompiledCondition[];

/** Compiles a validated `params` constraint (`dot`: as for the rule's resource). */
export function compileParams(params: Readonly<Record<string, ParamCondition>>, dot: boolean): CompiledParams {
  return Object.entries(params).map(([written, c]) => {
    const strings = c.match?.filter((m): m is string => typeof m === 'string');
    return {
      path: written.split('.'),
      written,
      globs: c.match === undefined ? undefined : (strings ?? []).map((s) => compileGlob(s, dot)),
      exact: c.match?.filter((m) => typeof m !== 'string'),
      min: c.min,
      max: c.max,
      maxLength: c.max_length,
    };
  });
}

/** The object the conditions are judged on: `params.arguments` for mcp.call, `params` otherwise. */
export function judgedArguments(action: string, params: Readonly<Record<string, unknown>>): unknown {
  return action === 'mcp.call' ? (params['arguments'] ?? {}) : params;
}

const MISSING = Symbol('missing');

function lookup(root: unknown, path: readonly string[]): unknown {
  let at: unknown = root;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, key)) return MISSING;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** A normalised absolute path: no NUL, no empty, `.` or `..` segment, no trailing `/`. */
function isNormalAbsolute(s: string): boolean {
  if (!s.startsWith('/')) return false;
  if (s === '/') return true;
  return s
    .slice(1)
    .split('/')
    .every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/**
 * `match` for one item: true/false, or undefined when the item cannot be judged (too long, NUL,
 * an object, or of a type no alternative has: `"true"` or `1` where only `true` is named — a
 * server may well read it as `true`, so a deny must not be dodged by spelling the value as
 * another type).
 */
function matchItem(c: CompiledCondition, v: unknown): boolean | undefined {
  if (typeof v === 'string') {
    if (v.length > MAX_JUDGED_ARG_LENGTH || v.includes('\u0000')) return undefined;
    const globs = c.globs ?? [];
    if (globs.length === 0) return undefined;
    if (globs.some((g) => g.pattern.startsWith('/')) && !isNormalAbsolute(v)) return undefined;
    // `./secrets/key` and `notes/../secrets/key` name `secrets/key` to a server that resolves them.
    if (hasDotSegment(v)) return undefined;
    return globs.some((g) => matchGlob(g, v));
  }
  if (v === null || typeof v === 'number' || typeof v === 'boolean') {
    const exact = c.exact ?? [];
    if (exact.some((e) => e === v)) return true;
    return exact.some((e) => kindOf(e) === kindOf(v)) ? false : undefined;
  }
  return undefined;
}

/** True when a `/`-separated string has a `.` or `..` segment (`./a`, `a/../b`, `..`). */
function hasDotSegment(s: string): boolean {
  if (s === '.' || s === '..' || s.startsWith('./') || s.startsWith('../')) return true;
  return s.includes('/./') || s.includes('/../') || s.endsWith('/.') || s.endsWith('/..');
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : typeof v;
}

function itemsOf(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [v];
}

function lengthOf(v: unknown): number | undefined {
  return typeof v === 'string' || Array.isArray(v) ? v.length : undefined;
}

/**
 * Why the request's arguments fall outside the grant, or undefined when they are within it.
 * `restrict`: the rule is an ask judged as a restriction (a capability allows the request), so an
 * item that cannot be judged (a dot-segment, NUL, another type, a string where a range is judged)
 * counts as matched, as on a deny.
 */
export function paramsMiss(conditions: CompiledParams, args: unknown, restrict = false): string | undefined {
  for (const c of conditions) {
    const v = lookup(args, c.path);
    const at = `argument ${c.written}`;
    if (v === MISSING) return `${at} is not given`;
    if (c.maxLength !== undefined) {
      const n = lengthOf(v);
      if (n === undefined || n > c.maxLength)
        return `${at} is ${n === undefined ? 'neither a string nor a list' : `${n} long`}, over max_length ${c.maxLength}`;
    }
    for (const item of itemsOf(v)) {
      if (c.globs !== undefined || c.exact !== undefined) {
        const m = matchItem(c, item);
        if (m === false || (m === undefined && !restrict))
          return `${at} = ${preview(item)} does not match ${JSON.stringify([...(c.globs ?? []).map((g) => g.pattern), ...(c.exact ?? [])])}`;
      }
      if (c.min !== undefined || c.max !== undefined) {
        if (typeof item !== 'number' || !Number.isFinite(item)) {
          if (restrict) continue; // `"5000"` where a number is judged: a server may read it as one
          return `${at} = ${preview(item)} is not a number`;
        }
        if (c.min !== undefined && item < c.min) return `${at} = ${item} is below min ${c.min}`;
        if (c.max !== undefined && item > c.max) return `${at} = ${item} is above max ${c.max}`;
      }
    }
  }
  return undefined;
}

/** Deny semantics: true when every condition describes the arguments (missing or malformed counts as described). */
export function paramsCover(conditions: CompiledParams, args: unknown): boolean {
  return conditions.every((c) => {
    const v = lookup(args, c.path);
    if (v === MISSING) return true;
    if (c.maxLength !== undefined) {
      const n = lengthOf(v);
      if (n !== undefined && n <= c.maxLength) return false;
    }
    const items = itemsOf(v);
    if (c.globs !== undefined || c.exact !== undefined) {
      if (!items.some((item) => matchItem(c, item) !== false)) return false;
    }
    if (c.min !== undefined || c.max !== undefined) {
      const beyond = (item: unknown): boolean =>
        typeof item !== 'number' || !Number.isFinite(item) || (c.min !== undefined && item < c.min) || (c.max !== undefined && item > c.max);
      if (!items.some(beyond)) return false;
    }
    return true;
  });
}

function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
