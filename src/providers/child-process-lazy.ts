/**
 * `node:child_process`, loaded on the first sandbox probe or spawn rather than on import, so
 * importing the package root (which exports `probeSandbox` and `spawnSandboxed`) does not pay
 * for it; a program that never starts a process never loads it.
 */
import { lazy } from '../lazy';

/** The node:child_process module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));
