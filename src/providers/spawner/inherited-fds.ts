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
 * This process's descriptors above 2 that are not close-on-exec: the ones a child would inherit
 * (none found without /proc).
 */
export function inheritableFds(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  return entries.map(Number).filter((fd) => {
    if (!Number.isInteger(fd) || fd <= 2) return false;
    const flags = fdFlags(fd);
    return flags !== undefined && (flags & O_CLOEXEC) === 0;
  });
}

/**
 * Closes every descriptor above 2 that is not close-on-exec; call it before anything else runs.
 * @returns the descriptors closed (none without /proc).
 */
export function closeInheritedFds(): number[] {
  const closed: number[] = [];
  for (const fd of inheritableFds()) {
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // closed meanwhile
    }
  }
  return closed;
}
