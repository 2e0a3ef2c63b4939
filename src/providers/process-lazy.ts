/**
 * What the process provider needs only once it runs a program, loaded then rather than on
 * import: the spawner client (node:child_process, the spawner's protocol and process tree)
 * and the egress proxy of `network: proxy` runs (node:http, node:net). Importing the package
 * root, or building a ProcessProvider, loads neither.
 */
import { lazy } from '../lazy';

/** The spawner client module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const spawnerClient = lazy(() => require('./spawner/client') as typeof import('./spawner/client'));

/** The egress proxy module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const egressProxy = lazy(() => require('./egress-proxy') as typeof import('./egress-proxy'));
