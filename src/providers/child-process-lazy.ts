/**
 * `node:child_process`, loaded on the first sandbox probe or spawn rather than on import, so
 * importing the package root (which exports `probeSandbox` and `spawnSandboxed`) does not pay
 * for it; a program that never starts a process never loads it.
 */
let loaded: typeof import('node:child_process') | undefined;

/** The node:child_process module (required once, then cached). */
export function childProcess(): typeof import('node:child_process') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('node:child_process') as typeof import('node:child_process');
  return loaded;
}
