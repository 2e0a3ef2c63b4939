/**
 * undici, loaded on the first HTTP request rather than on import, so importing the package
 * root loads no HTTP client (a program that never calls `net.http` never loads it).
 */
let loaded: typeof import('undici') | undefined;

/** The undici module (required once, then cached). */
export function undici(): typeof import('undici') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('undici') as typeof import('undici');
  return loaded;
}
