/**
 * The spawner closes, as it starts, every file descriptor it inherited by accident: one the
 * worker's own parent (a shell, a supervisor, a socket activation) left open without
 * close-on-exec passes from the worker into the spawner, and from there into every program,
 * sandboxed ones included — bubblewrap does not close descriptors it did not open. A program
 * could then write into (or read from) whatever that descriptor leads to on the host.
 *
 * Node opens everything close-on-exec, the IPC channel included, so at start-up the only
 * descriptors above stderr without that flag are the accidental ones.
 */
import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** O_CLOEXEC as /proc/<pid>/fdinfo shows it (octal `flags:`). */
const O_CLOEXEC = 0o2000000;

/** The `flags:` of one of this process's descriptors, or undefined when it is gone (the listing's own). */
function fdFlags(fd: number): number | undefined {
  try {
    const match = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return match?.[1] === undefined ? undefined : parseInt(match[1], 8);
  } catch {
    return undefined;
  }
}

/**
 * Closes every descriptor above 2 that is not close-on-exec; call it before anything else runs.
 * @returns the descriptors closed (none without /proc).
 */
export function closeInheritedFds(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  const closed: number[] = [];
  for (const fd of entries.map(Number)) {
    if (!Number.isInteger(fd) || fd <= 2) continue;
    const flags = fdFlags(fd);
    if (flags === undefined || (flags & O_CLOEXEC) !== 0) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // closed meanwhile
    }
  }
  return closed;
}
