/**
 * Host helpers for canonical URLs (`scheme://host[:port]/path`), shared by
 * canonicalisation, compilation (which rules name an IP) and evaluation (is the
 * request's host a raw IP). Pure string work, no DNS.
 */

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV4_MAPPED = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/;

/** True if `host` (as WHATWG URL prints it) is an IP literal: dotted IPv4 or bracketed IPv6. */
export function isIpHost(host: string): boolean {
  return host.startsWith('[') || IPV4.test(host);
}

/**
 * The host part (without port) of a canonical URL or of the literal head of a URL glob;
 * `undefined` when there is no `scheme://`.
 *
 * @example
 * hostOf('https://api.example.com:8443/x'); // 'api.example.com'
 * hostOf('http://[::1]:8080/'); // '[::1]'
 */
export function hostOf(url: string): string | undefined {
  const a = authorityOf(url);
  return a === undefined ? undefined : url.slice(a.from, a.hostEnd);
}

/**
 * Where the authority of `scheme://host[:port]/…` lies in `url`: `from` its start, `hostEnd`
 * the end of its host (an IPv6 literal keeps its brackets), `end` the first `/` or the end;
 * `undefined` when there is no `scheme://`.
 */
function authorityOf(url: string): { from: number; hostEnd: number; end: number } | undefined {
  const start = url.indexOf('://');
  if (start < 0) return undefined;
  const from = start + 3;
  let end = url.indexOf('/', from);
  if (end < 0) end = url.length;
  const close = url.charCodeAt(from) === 0x5b ? url.indexOf(']', from) : -1; // '['
  if (close >= 0 && close < end) return { from, hostEnd: close + 1, end };
  if (url.charCodeAt(from) === 0x5b) return { from, hostEnd: end, end }; // no closing bracket: all host
  const colon = url.indexOf(':', from);
  return { from, hostEnd: colon < 0 || colon > end ? end : colon, end };
}

/**
 * One spelling per address: an IPv4-mapped IPv6 host (`[::ffff:7f00:1]`, which is how
 * WHATWG prints `[::ffff:127.0.0.1]`) becomes dotted IPv4, since connecting to it
 * reaches that IPv4 address. Other hosts are returned unchanged.
 */
export function unmapIpv4(host: string): string {
  const m = IPV4_MAPPED.exec(host);
  if (m === null) return host;
  const hi = parseInt(m[1] ?? '0', 16);
  const lo = parseInt(m[2] ?? '0', 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * `url` without the `:port` of its authority (`https://h:8443/x` → `https://h/x`), or
 * undefined when it names no port (or is not `scheme://…`). For canonical URLs, whose
 * authority is `host[:port]` with an IPv6 host in brackets.
 */
export function withoutPort(url: string): string | undefined {
  const a = authorityOf(url);
  if (a === undefined || a.hostEnd === a.end) return undefined;
  return url.slice(0, a.hostEnd) + url.slice(a.end);
}

/**
 * `url` with its scheme's default port written out (`https://h/x` → `https://h:443/x`), or
 * undefined when it names a port already (or is not `http(s)://…`). A deny or ask rule whose
 * host pattern names ports by a wildcard (`https://evil.example:*` + `/**`) matches this form too,
 * since canonical URLs drop the default port.
 */
export function withDefaultPort(url: string): string | undefined {
  const a = authorityOf(url);
  if (a === undefined || a.hostEnd !== a.end) return undefined;
  const port = url.startsWith('https://') ? '443' : url.startsWith('http://') ? '80' : undefined;
  return port === undefined ? undefined : `${url.slice(0, a.hostEnd)}:${port}${url.slice(a.end)}`;
}

/** True when a URL glob's authority names a port (a `:` outside an IPv6 literal's brackets). */
export function namesPort(glob: string): boolean {
  const m = /^https?:\/\/([^/]*)/i.exec(glob);
  return m !== null && (m[1] ?? '').replace(/^\[[0-9a-fA-F:.]+\]/, '').includes(':');
}

/**
 * True when a URL glob's authority (between `scheme://` and the first `/`) names no port:
 * no `:` outside an IPv6 literal's brackets. A deny rule on such a glob covers every port of
 * the hosts it names (evaluate.ts).
 */
export function namesNoPort(glob: string): boolean {
  const m = /^https?:\/\/([^/]*)/i.exec(glob);
  if (m === null) return false;
  const authority = (m[1] ?? '').replace(/^\[[0-9a-fA-F:.]+\]/, '');
  return !authority.includes(':');
}

/**
 * The path a lenient server routes a canonical URL to, when it differs: `;params` cut from
 * each segment (Tomcat, Jetty: `/admin;x/y` is `/admin/y`) and repeated slashes merged
 * (nginx `merge_slashes`, werkzeug: `//admin` is `/admin`), and a trailing slash dropped
 * (Express without strict routing: `/admin/` is `/admin`). Deny and ask rules also match
 * this form, so they are not dodged by it; grants never do (compile.ts). Undefined when the
 * URL has none of these, or is not `scheme://…`.
 *
 * @example
 * serverPathForm('https://h//admin;x/y/'); // 'https://h/admin/y'
 */
export function serverPathForm(url: string): string | undefined {
  const a = authorityOf(url);
  if (a === undefined) return undefined;
  const path = url.slice(a.end);
  if (!path.includes(';') && !path.includes('//') && !(path.length > 1 && path.endsWith('/'))) return undefined;
  let server = path
    .split('/')
    .map((segment) => {
      const semi = segment.indexOf(';');
      return semi < 0 ? segment : segment.slice(0, semi);
    })
    .join('/')
    .replace(/\/{2,}/g, '/');
  if (server.length > 1 && server.endsWith('/')) server = server.slice(0, -1);
  return url.slice(0, a.end) + server;
}

/**
 * A canonical URL with its path in lower case, when that differs: the path a case-insensitive
 * server routes it to (Express by default, ASP.NET, IIS: `/ADMIN/x` is `/admin/x`). Deny and
 * ask rules also match this form, compared with their own resource in lower case; grants
 * never do (compile.ts). Undefined when the path has no upper-case letter, or for a non-URL.
 *
 * @example
 * caselessPathForm('https://h/ADMIN/x'); // 'https://h/admin/x'
 */
export function caselessPathForm(url: string): string | undefined {
  const a = authorityOf(url);
  if (a === undefined) return undefined;
  const path = url.slice(a.end);
  const lower = path.toLowerCase();
  return lower === path ? undefined : url.slice(0, a.end) + lower;
}
