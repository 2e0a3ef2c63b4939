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
  const start = url.indexOf('://');
  if (start < 0) return undefined;
  const from = start + 3;
  let end = url.indexOf('/', from);
  if (end < 0) end = url.length;
  const hostPort = url.slice(from, end);
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    return close < 0 ? hostPort : hostPort.slice(0, close + 1);
  }
  const colon = hostPort.indexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
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
  const start = url.indexOf('://');
  if (start < 0) return undefined;
  const from = start + 3;
  let end = url.indexOf('/', from);
  if (end < 0) end = url.length;
  const close = url.charCodeAt(from) === 91 ? url.indexOf(']', from) : from - 1; // '['
  const colon = url.indexOf(':', close + 1);
  if (colon < 0 || colon >= end) return undefined;
  return url.slice(0, colon) + url.slice(end);
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
