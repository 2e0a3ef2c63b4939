/**
 * Canonical URLs for `net.http`: `scheme://host[:port]/path`, the form rules match.
 *
 * Parsing is WHATWG URL (what undici uses to connect), and everything where WHATWG and
 * other parsers disagree is refused rather than interpreted: backslashes, control
 * characters, userinfo (even an empty `@`), `https:host` without `//`, `https:///host`,
 * encoded slashes (`%2F`, `%5C`) and `..;` segments. Scheme and host are lower-cased,
 * default ports dropped, a trailing dot on the host removed, IPv4 in decimal, hex or
 * octal spelling and IPv4-mapped IPv6 become dotted IPv4, percent-encoded unreserved
 * characters are decoded (`%61dmin` is `admin`) and other escapes upper-cased. Query
 * and fragment are not part of the judged target: rules select resources by path.
 */
import { InvalidTargetError } from './canonical-errors';
import { assertTargetText } from './target-text';
import { unmapIpv4 } from './url-host';

const SCHEME = /^(https?):\/\//i;
const ESCAPE = /%([0-9a-fA-F]{2})/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The canonical form of an http(s) URL.
 *
 * @throws {InvalidTargetError} for non-http(s) schemes, userinfo, backslashes, control
 *   characters, encoded slashes, and anything WHATWG URL cannot parse.
 * @example
 * canonicalUrl('HTTPS://API.Example.com:443/v1/%7Euser?q=1#top'); // 'https://api.example.com/v1/~user'
 * canonicalUrl('http://0x7f.1/'); // 'http://127.0.0.1/'
 */
export function canonicalUrl(input: string): string {
  assertTargetText(input);
  if (/\s/.test(input)) throw bad(input, 'the URL contains whitespace', 'percent-encode spaces as %20');
  if (input.includes('\\')) throw bad(input, 'the URL contains a backslash', 'use "/"; parsers disagree on what "\\" means');
  const scheme = SCHEME.exec(input);
  if (scheme === null) {
    throw bad(input, 'only http:// and https:// URLs are allowed', 'write the URL as https://host/path');
  }
  const rest = input.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  if (authority === '') throw bad(input, 'the URL has no host', 'write the URL as https://host/path');
  if (authority.includes('@')) {
    throw bad(input, 'the URL carries userinfo (user@host)', 'pass credentials in headers, never in the URL');
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch (err) {
    throw bad(input, 'it is not a valid URL', 'write the URL as https://host/path', err);
  }
  if (url.username !== '' || url.password !== '') {
    throw bad(input, 'the URL carries userinfo (user@host)', 'pass credentials in headers, never in the URL');
  }
  let host = url.hostname;
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.endsWith('.')) throw bad(input, 'the host is empty or ends in ".."', 'write a host name like api.example.com');
  host = unmapIpv4(host);
  const port = url.port === '' ? '' : `:${url.port}`;
  return `${url.protocol.slice(0, -1)}://${host}${port}${canonicalUrlPath(input, url.pathname)}`;
}

/** Percent-encoding normalisation of a WHATWG pathname, refusing encodings that change its segments. */
function canonicalUrlPath(input: string, pathname: string): string {
  const path = pathname.replace(ESCAPE, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    if (char === '/' || char === '\\') {
      throw bad(input, 'the path contains an encoded slash (%2F or %5C)', 'servers disagree on encoded slashes; write the path without them');
    }
    if (char === '\u0000') throw bad(input, 'the path contains an encoded NUL (%00)', 'remove it');
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..' || /^\.\.?;/.test(segment)) {
      throw bad(input, `the path has a dot segment "${segment}"`, 'some servers treat "..;" and decoded dots as ".."; write the resolved path');
    }
  }
  return path;
}

function bad(input: string, problem: string, hint: string, cause?: unknown): InvalidTargetError {
  return new InvalidTargetError(input, problem, hint, cause === undefined ? undefined : { cause });
}
