/**
 * `node:net` and `node:dns`, loaded on the first address checked or host resolved rather than
 * on import, so importing the package root (whose providers check addresses only when they
 * connect) does not pay for them.
 */
import { lazy } from '../lazy';

/** The node:net module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const nodeNet = lazy(() => require('node:net') as typeof import('node:net'));

/** The node:dns module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const nodeDns = lazy(() => require('node:dns') as typeof import('node:dns'));
