/**
 * Sanity checks for the globs in a policy (resources, `args`, `deny_args`, `cwd`).
 *
 * Patterns are globs, never regular expressions. Accepted syntax: `*` (any run of
 * characters except `/`), `**` (any number of whole path segments; only as a whole
 * segment), `?` (one character), `[abc]` / `[a-z]` classes and `{a,b}` alternation
 * (not nested, no `{1..9}` ranges). Refused, because it is regex-like, can backtrack
 * catastrophically, or silently changes meaning: `(`, `)`, `|`, a leading `!`
 * (negation), invisible characters (format characters, bidirectional controls, spaces other
 * than U+0020), negated classes (`[!a]`, `[^a]`) and classes matching `/`, backslash escapes, unbalanced brackets, NUL and control characters,
 * leading/trailing spaces, brace groups making more than 256 alternatives (brace-count.ts), and
 * more than {@link MAX_STARS_PER_SEGMENT} `*` wildcards in one
 * path segment (each extra `*` multiplies the work a non-matching target can cause: with
 * five, a 250-character name takes seconds; with two, and targets capped at 4,096
 * characters and names at 255, matching stays well under a millisecond).
 *
 * Target forms (per action family):
 * - path (fs.*, `cwd`): absolute, starting with `/`; no `.`/`..` or empty segments; no trailing `/`.
 * - url (net.http): starts with lower-case `http://` or `https://`, has a host, then a path
 *   starting with `/` spelt as canonical targets are (percent-encoding: urlPathIssue); no
 *   credentials (`user@`). A request's query is not part of its target.
 * - program (proc.exec): a bare program name (`git`, no `/`) or an absolute path.
 * - MCP tool (mcp.call): `server/tool` with exactly one `/` (`fs/*` = every tool of `fs`).
 * - custom actions: any glob passing the general checks.
 * The catch-all `**` is valid for every family.
 */
import { TargetFamily } from './actions';
import { MAX_BRACE_ALTERNATIVES, braceAlternatives } from './brace-count';
import { ProblemCode } from './problem';

/** A problem found in a glob, without position (the caller knows the node). */
export interface GlobIssue {
  readonly code: ProblemCode;
  readonly message: string;
  readonly hint: string;
}

const issue = (code: ProblemCode, message: string, hint: string): GlobIssue => ({ code, message, hint });

/** Most `*` wildcards one `/`-separated segment of a glob may hold (a whole-segment `**` does not count). */
const MAX_STARS_PER_SEGMENT = 2;

function starIssue(glob: string): GlobIssue | undefined {
  for (const segment of glob.split('/')) {
    if (segment === '**') continue;
    let stars = 0;
    for (const ch of segment) if (ch === '*') stars++;
    if (stars > MAX_STARS_PER_SEGMENT) {
      return issue(
        ProblemCode.BadGlob,
        `glob "${glob}" has ${stars} \`*\` wildcards in the segment "${segment}" (at most ${MAX_STARS_PER_SEGMENT})`,
        'so many wildcards in one name can make matching take exponential time; use fewer (e.g. `*_*.csv`), or several rules',
      );
    }
  }
  return undefined;
}

/**
 * Format characters (zero-width spaces and joiners, bidirectional controls such as U+202E, the
 * soft hyphen, U+FEFF), line and paragraph separators, and spaces other than U+0020: a reader of
 * the policy sees nothing, a plain space or reordered text where the glob holds them, so a deny
 * of `/workspace/pro\u200Bd/**` reads as `/workspace/prod/**` and covers nothing there.
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;

/** General checks every glob must pass, whatever it matches. */
export function globSyntaxIssue(glob: string): GlobIssue | undefined {
  if (glob.trim() === '') return issue(ProblemCode.EmptyGlob, 'empty glob', 'write a pattern; `**` matches everything');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(glob)) return issue(ProblemCode.BadGlob, 'glob contains a NUL or control character', 'remove the control character');
  const hidden = INVISIBLE.exec(glob);
  if (hidden !== null)
    return issue(
      ProblemCode.BadGlob,
      `glob ${JSON.stringify(glob)} contains the invisible or space-like character U+${(hidden[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
      'it shows as nothing (or as a plain space, or reorders the text around it), so the rule would not match what it seems to say: remove it, or match that one character with ?',
    );
  if (glob.trim() !== glob)
    return issue(
      ProblemCode.BadGlob,
      `glob ${JSON.stringify(glob)} starts or ends with whitespace`,
      'remove the surrounding spaces (quote the value if a space is really part of it)',
    );
  if (glob.startsWith('!'))
    return issue(ProblemCode.BadGlob, `negated glob "${glob}"`, 'negation is not supported; use a `deny:` rule to carve out exceptions');
  if (/[()|]/.test(glob))
    return issue(
      ProblemCode.BadGlob,
      `glob "${glob}" uses regex-like syntax ( ) or |`,
      'patterns are globs: use `{a,b}` for alternatives and `?` for a single literal character',
    );
  if (glob.includes('\\'))
    return issue(
      ProblemCode.BadGlob,
      `glob "${glob}" contains a backslash`,
      'escapes are not supported; use `?` or a class like `[*]` to match a special character',
    );
  return bracketIssue(glob) ?? classIssue(glob) ?? starIssue(glob);
}

/**
 * A `[...]` class matches one character, never `/` (as `?`), and is never negated: micromatch
 * reads `[!x]` as "`!` or `x`" (so `[!.]*` matched `.env` and not `readme`), and `[^x]` at the
 * start of a name also matches a dot, which grants never match unnamed. A class holding `/`
 * (`[/]`, a range such as `[+-0]`) would match across segments, past the dot guard.
 */
function classIssue(glob: string): GlobIssue | undefined {
  for (const m of glob.matchAll(/\[([^\]]*)\]/g)) {
    const body = m[1] ?? '';
    if (body.startsWith('!') || body.startsWith('^'))
      return issue(
        ProblemCode.BadGlob,
        `glob "${glob}" has a negated class "${m[0]}"`,
        'negated classes are not supported: list the characters you mean (e.g. [a-z0-9_]), or carve out exceptions with a `deny:` rule',
      );
    if (classHasSlash(body))
      return issue(
        ProblemCode.BadGlob,
        `glob "${glob}" has a class "${m[0]}" that matches "/"`,
        'a class matches one character of a name, never "/": write the "/" outside it',
      );
  }
  return undefined;
}

/** True if a class body lists `/` or has a range spanning it (`+-0`). */
function classHasSlash(body: string): boolean {
  const chars = [...body];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '/') return true;
    const hi = chars[i + 2];
    if (chars[i + 1] === '-' && hi !== undefined) {
      if (c <= '/' && hi >= '/') return true;
      i += 2;
    }
  }
  return false;
}

function bracketIssue(glob: string): GlobIssue | undefined {
  let inClass = false;
  let braceDepth = 0;
  let comma = false;
  for (const ch of glob) {
    if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') inClass = true;
    else if (ch === '{') {
      braceDepth += 1;
      comma = false;
      if (braceDepth > 1) return issue(ProblemCode.BadGlob, `glob "${glob}" nests braces`, 'write one `{a,b}` group per segment, or split the rule');
    } else if (ch === ',') comma = true;
    else if (ch === '}') {
      if (braceDepth === 0) return issue(ProblemCode.BadGlob, `glob "${glob}" has an unmatched "}"`, 'balance the braces');
      // `{a}` (like bash) is the literal text "{a}", not "a": a deny of `/w/{secrets}/**` covered nothing in /w/secrets.
      if (!comma)
        return issue(
          ProblemCode.BadGlob,
          `glob "${glob}" has a brace group without a comma, which matches the braces literally`,
          'write the one alternative without braces (`a`, not `{a}`), or list two or more (`{a,b}`); match a literal brace with `?`',
        );
      braceDepth -= 1;
    } else if (ch === ']') return issue(ProblemCode.BadGlob, `glob "${glob}" has an unmatched "]"`, 'balance the brackets, or match a literal "]" with `?`');
  }
  if (inClass || braceDepth > 0) return issue(ProblemCode.BadGlob, `glob "${glob}" has an unclosed "[" or "{"`, 'close the bracket or brace');
  if (/\{[^}]*\.\.[^}]*\}/.test(glob))
    return issue(ProblemCode.BadGlob, `glob "${glob}" uses a {a..b} range`, 'ranges expand to many patterns; list the values or use a class like [0-9]');
  if (braceAlternatives(glob) > MAX_BRACE_ALTERNATIVES)
    return issue(
      ProblemCode.BadGlob,
      `glob "${glob}" has brace groups making more than ${MAX_BRACE_ALTERNATIVES} alternatives`,
      'each group multiplies the alternatives a target is matched against; use fewer groups, a class like [0-9], or several rules',
    );
  return undefined;
}

/** Checks the segments of an absolute path glob (also used for the path part of URLs). */
function pathIssue(glob: string, path: string): GlobIssue | undefined {
  if (path === '/') return undefined;
  const segments = path.split('/').slice(1);
  if (path.endsWith('/'))
    return issue(
      ProblemCode.BadGlob,
      `"${glob}" ends with "/", so it matches nothing`,
      `write "${glob}**" for everything inside, or "${glob.slice(0, -1)}" for the entry itself`,
    );
  if (segments.some((s) => s === ''))
    return issue(ProblemCode.BadGlob, `"${glob}" has an empty path segment ("//")`, 'targets are canonical paths: use a single "/"');
  if (segments.some((s) => s === '.' || s === '..'))
    return issue(
      ProblemCode.BadGlob,
      `"${glob}" has a "." or ".." segment`,
      'targets are canonical (.. already resolved), so this never matches as written; write the absolute path',
    );
  if (segments.some((s) => s.includes('**') && s !== '**'))
    return issue(ProblemCode.BadGlob, `"${glob}" uses ** inside a segment, where it means only *`, 'use ** as a whole segment, e.g. /dir/**/*.txt');
  return undefined;
}

/** The problem with `glob` as a target of the given family, if any (general syntax is checked separately). */
export function targetFormIssue(family: TargetFamily, glob: string): GlobIssue | undefined {
  if (glob === '**') return undefined;
  switch (family) {
    case TargetFamily.Path:
      return glob.startsWith('/')
        ? pathIssue(glob, glob)
        : issue(ProblemCode.ResourceForm, `"${glob}" is not an absolute path`, 'file targets are absolute paths: start the glob with "/"');
    case TargetFamily.Program:
      if (glob.startsWith('/')) return pathIssue(glob, glob);
      return glob.includes('/') || glob === '.' || glob === '..'
        ? issue(
            ProblemCode.ResourceForm,
            `"${glob}" is neither a program name nor an absolute path`,
            'write a bare program name like "git" or an absolute path like "/usr/bin/git"',
          )
        : undefined;
    case TargetFamily.Url:
      return urlIssue(glob);
    case TargetFamily.McpTool:
      return /^[^/]+\/[^/]+$/.test(glob)
        ? undefined
        : issue(
            ProblemCode.ResourceForm,
            `"${glob}" is not a server/tool glob`,
            'mcp.call targets are server/tool: write e.g. "fs/read_*" or "fs/*" for every tool of one server',
          );
    default:
      return undefined;
  }
}

function urlIssue(glob: string): GlobIssue | undefined {
  const match = /^(https?):\/\/([^/]*)(\/.*)?$/.exec(glob);
  if (match === null) {
    const lower = /^https?:\/\//i.test(glob) ? ' (in lower case)' : '';
    return issue(ProblemCode.ResourceForm, `"${glob}" is not an http(s) URL`, `net.http targets start with "http://" or "https://"${lower}`);
  }
  const [, scheme, authority = '', path] = match;
  if (authority === '') return issue(ProblemCode.ResourceForm, `"${glob}" has no host`, 'write a host after the scheme, e.g. https://api.example.com/**');
  if (authority.includes('@')) return issue(ProblemCode.BadGlob, `"${glob}" contains credentials`, 'targets are canonical URLs without user@; remove it');
  const host = globHostIssue(glob, scheme === 'https' ? '443' : '80', authority);
  if (host !== undefined) return host;
  if (path === undefined)
    return issue(
      ProblemCode.ResourceForm,
      `"${glob}" has no path, so it matches no canonical URL`,
      `add one: "${glob}/" for the root, "${glob}/**" for everything`,
    );
  return pathIssue(glob, path) ?? urlPathIssue(glob, path);
}

/**
 * A URL path is matched as written, while request paths are canonical (canonical-url.ts):
 * WHATWG-encoded (non-ASCII, space, `"`, `<`, `>`, `` ` `` as `%XX`), unreserved escapes decoded
 * (`%7E` is `~`), other escapes upper-cased, no `#`, no encoded slash or NUL. A path spelt
 * otherwise matches no target, and a deny rule would silently never apply, so it is refused;
 * so is a query string (`?a=b`), which no target has.
 */
function urlPathIssue(glob: string, path: string): GlobIssue | undefined {
  const form = (what: string, hint: string) => issue(ProblemCode.ResourceForm, `"${glob}" has a path with ${what}, so it matches no canonical URL`, hint);
  const raw = /[^\u0021-\u007e]|["<>`#]/.exec(path);
  if (raw !== null) {
    const char = raw[0];
    if (char === '#') return form('a fragment ("#")', 'fragments are not part of the judged target; remove it');
    return form(`the character ${JSON.stringify(char)}`, `request paths are percent-encoded: write ${encodeURIComponent(char)} for ${JSON.stringify(char)}`);
  }
  if (/\?[^/]*[=&]/.test(path))
    return form(
      'what looks like a query string',
      'a query is not part of the judged target (rules select resources by path), and in a glob "?" is one character: remove the query',
    );
  for (const m of path.matchAll(/%([0-9a-fA-F]{2})/g)) {
    const hex = m[1] ?? '';
    const char = String.fromCharCode(parseInt(hex, 16));
    if (/^[A-Za-z0-9\-._~]$/.test(char)) return form(`the escape ${m[0]} of "${char}"`, `request paths decode it: write "${char}"`);
    if (char === '/' || char === '\\' || char === '\u0000')
      return form(`the escape ${m[0]}`, 'request paths never contain an encoded slash or NUL (such URLs are refused)');
    if (hex !== hex.toUpperCase()) return form(`the lower-case escape ${m[0]}`, `request paths upper-case escapes: write %${hex.toUpperCase()}`);
  }
  return undefined;
}

const HOST_GLOB = /[*?[\]{}]/;
const IPV6_AUTHORITY = /^\[[0-9a-fA-F:.]+\](?::\d+)?$/;

/**
 * A host with a wildcard is matched as written (lower-cased), while request targets are
 * canonical: such a host written in another form would match nothing, and a deny rule
 * would silently never apply. So its non-canonical spellings are refused. (A host without
 * a wildcard is put in canonical form when the rule compiles.)
 */
function globHostIssue(glob: string, defaultPort: string, authority: string): GlobIssue | undefined {
  if (!HOST_GLOB.test(authority) || IPV6_AUTHORITY.test(authority)) return undefined;
  const form = (what: string, hint: string) =>
    issue(ProblemCode.ResourceForm, `"${glob}" has a host pattern with ${what}, so it matches no canonical URL`, hint);
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(authority))
    return form('non-ASCII characters', 'write internationalised names in their ASCII (punycode) form, e.g. xn--bcher-kva.example for bücher.example');
  if (authority.includes('%')) return form('a percent escape', 'write the host name without escapes');
  if (new RegExp(`:0*${defaultPort}(?=[,}]|$)`).test(authority))
    return form(`the default port :${defaultPort}`, `canonical URLs drop the default port: remove ":${defaultPort}"`);
  if (/\.(?=[:,}]|$)/.test(authority)) return form('a trailing dot', 'canonical URLs drop the trailing dot of a host name: remove it');
  return undefined;
}
