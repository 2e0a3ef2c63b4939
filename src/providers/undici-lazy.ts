/**
 * undici, loaded on the first HTTP request rather than on import, so importing the package
 * root loads no HTTP client (a program that never calls `net.http` never loads it).
 */
import { lazy } from '../lazy';

/** The undici module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const undici = lazy(() => require('undici') as typeof import('undici'));
