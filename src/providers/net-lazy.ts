/**
 * `node:net` and `node:dns`, loaded on the first address checked or host resolved rather than
 * on import, so importing the package root (whose providers check addresses only when they
 * connect) does not pay for them.
 */
let net: typeof import('node:net') | undefined;
let dns: typeof import('node:dns') | undefined;

/** The node:net module (required once, then cached). */
export function nodeNet(): typeof import('node:net') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  net ??= require('node:net') as typeof import('node:net');
  return net;
}

/** The node:dns module (required once, then cached). */
export function nodeDns(): typeof import('node:dns') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  dns ??= require('node:dns') as typeof import('node:dns');
  return dns;
}
