/**
 * What the process provider needs only once it runs a program, loaded then rather than on
 * import: the spawner client (node:child_process, the spawner's protocol and process tree)
 * and the egress proxy of `network: proxy` runs (node:http, node:net). Importing the package
 * root, or building a ProcessProvider, loads neither.
 */
let spawner: typeof import('./spawner/client') | undefined;
let egress: typeof import('./egress-proxy') | undefined;

/** The spawner client module (required once, then cached). */
export function spawnerClient(): typeof import('./spawner/client') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  spawner ??= require('./spawner/client') as typeof import('./spawner/client');
  return spawner;
}

/** The egress proxy module (required once, then cached). */
export function egressProxy(): typeof import('./egress-proxy') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  egress ??= require('./egress-proxy') as typeof import('./egress-proxy');
  return egress;
}
