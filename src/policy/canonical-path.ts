/**
 * Canonical filesystem paths: the form a `fs.*` rule is matched against.
 *
 * Paths are the ones the agent sees (the kernel maps them onto mounts). The canonical
 * form is absolute, has no `.`/`..` segments, no empty segments and no trailing slash
 * (except the root `/`). `..` is resolved lexically, like `path.posix.resolve`; the
 * provider must then act on the canonical path it was judged on, never on the raw input,
 * so what is judged is what is touched.
 *
 * Symlinks: when the provider passes `realpathOfExisting`, the result is where the path
 * really points, so a link inside the workspace that points outside is judged by its
 * destination. Paths are case-sensitive, because the filesystems the kernel runs on
 * (Linux) are; on a case-insensitive filesystem `realpathOfExisting` must return the
 * on-disk spelling, so that `/WORKSPACE/x` is judged as `/workspace/x`.
 */
import { InvalidTargetError } from './canonical-errors';
import { MAX_TARGET_LENGTH, assertTargetText } from './target-text';

/**
 * Resolves symlinks in the longest existing prefix of an absolute, normalised path and
 * returns the real path with the non-existing rest appended (agent-visible, absolute).
 * Supplied by the provider; may throw (e.g. on a symlink loop), which rejects the target.
 * It must also follow a dangling link (lstat + readlink), since writing through a link
 * to a missing file creates the file where the link points; a bare `fs.realpath` of the
 * longest existing prefix would miss that. A path that maps to no mount must come back
 * as a path outside every mount, never as the input.
 */
export type RealpathOfExisting = (absPath: string) => string;

/**
 * Normalises an absolute agent-visible path and, given `realpathOfExisting`, resolves it
 * to where it really points.
 *
 * @throws {InvalidTargetError} for NUL or control characters, backslashes, relative
 *   paths, or a `realpathOfExisting` that fails or returns a non-absolute path.
 * @example
 * canonicalPath('/workspace/./a//b/../c/'); // '/workspace/a/c'
 * canonicalPath('/workspace/../etc/passwd'); // '/etc/passwd'
 */
export function canonicalPath(input: string, realpathOfExisting?: RealpathOfExisting): string {
  // The common case, a path already in canonical form, is recognised in one pass; anything
  // else takes the checks below, which also say what is wrong.
  const normal = isCanonicalText(input) ? input : normalizeChecked(input);
  if (realpathOfExisting === undefined) return normal;
  let real: unknown;
  try {
    real = realpathOfExisting(normal);
  } catch (err) {
    throw new InvalidTargetError(input, 'its symlinks could not be resolved', 'check for symlink loops and unreadable directories', { cause: err });
  }
  if (typeof real !== 'string' || !real.startsWith('/')) {
    throw new InvalidTargetError(input, `symlink resolution returned ${JSON.stringify(real)}, not an absolute path`, "fix the provider's realpathOfExisting");
  }
  if (isCanonicalText(real)) return real;
  assertTargetText(real);
  const resolved = normalizeAbsolute(real);
  assertNameLengths(input, resolved);
  return resolved;
}

/** The lexical checks and normalisation of {@link canonicalPath}. @throws InvalidTargetError */
function normalizeChecked(input: string): string {
  assertTargetText(input);
  if (input.includes('\\')) {
    throw new InvalidTargetError(input, 'the path contains a backslash', 'separate segments with "/"; a backslash is not a separator here');
  }
  if (!input.startsWith('/')) {
    throw new InvalidTargetError(input, 'the path is relative', 'write the absolute path the agent sees, e.g. /workspace/notes.md');
  }
  const normal = normalizeAbsolute(input);
  assertNameLengths(input, normal);
  return normal;
}

/**
 * True when `text` passes every check of {@link canonicalPath} and is its own normal form:
 * absolute, at most 4096 characters, no control character (C0, DEL, C1) and no backslash,
 * no empty, `.` or `..` segment, no trailing `/` (but `/` itself), no segment over 255.
 * Exported for the test that holds it to the slow path's answer.
 */
export function isCanonicalText(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const n = text.length;
  if (n === 0 || n > MAX_TARGET_LENGTH || text.charCodeAt(0) !== 0x2f) return false;
  if (n === 1) return true;
  let start = 1; // index of the current segment's first character
  for (let i = 1; i <= n; i++) {
    const c = i === n ? 0x2f : text.charCodeAt(i);
    if (c === 0x2f) {
      const len = i - start;
      if (len === 0 || len > MAX_NAME_LENGTH) return false; // `//`, a trailing `/`, a long name
      if (text.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && text.charCodeAt(start + 1) === 0x2e))) return false; // `.`, `..`
      start = i + 1;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x5c) {
      return false;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate pair is one character; a lone surrogate is refused by the checked way.
      const low = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) return false;
      i++;
    }
  }
  return true;
}

/** Longest file name Linux accepts (NAME_MAX); longer segments name nothing that can exist. */
const MAX_NAME_LENGTH = 255;

function assertNameLengths(input: string, path: string): void {
  for (const segment of path.split('/')) {
    if (segment.length > MAX_NAME_LENGTH) {
      throw new InvalidTargetError(
        input,
        `a path segment is ${segment.length} characters long (at most ${MAX_NAME_LENGTH})`,
        'file names are limited to 255 characters; use a shorter name',
      );
    }
  }
}

/**
 * Resolves `input` against the absolute directory `base` when it is relative, refusing
 * a relative path whose `..` segments climb out of `base`; absolute input is returned as
 * is. Use before {@link canonicalPath} when agents may write paths relative to a workspace.
 *
 * @throws {InvalidTargetError} when a relative `input` escapes `base`.
 * @example
 * resolveAgainst('notes/a.md', '/workspace'); // '/workspace/notes/a.md'
 */
export function resolveAgainst(input: string, base: string): string {
  assertTargetText(input);
  if (input.startsWith('/')) return input;
  let depth = 0;
  for (const segment of input.split('/')) {
    if (segment === '..') depth -= 1;
    else if (segment !== '' && segment !== '.') depth += 1;
    if (depth < 0) {
      throw new InvalidTargetError(input, `the relative path escapes ${base}`, `stay inside ${base} or write an absolute path`);
    }
  }
  return `${base.endsWith('/') ? base : base + '/'}${input}`;
}

/** Lexical normalisation of an absolute path: drops `.` and empty segments, applies `..` (never above `/`). */
function normalizeAbsolute(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return '/' + out.join('/');
}
