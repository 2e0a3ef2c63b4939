/**
 * Group commit for folder fsyncs: concurrent `fs.write`s into the same folder each need the
 * folder fsynced after their rename; one fsync that *starts* after a rename makes that
 * rename durable, so writers that arrive while a folder fsync is running all wait for the
 * single next one instead of queueing one each on libuv's thread pool.
 *
 * Correctness: a caller's promise resolves only after an fsync of the same folder (same
 * device and inode) that began after the caller's call — never one already in flight.
 */
import fs from 'node:fs';

interface Group {
  running: Promise<void>;
  next: Promise<void> | undefined;
}

const groups = new Map<string, Group>();

function fsyncFd(fd: number): Promise<void> {
  // Some filesystems refuse fsync on folders; the rename itself is still atomic.
  return new Promise<void>((resolve) => fs.fsync(fd, () => resolve()));
}

/**
 * fsyncs the folder open as `fd`, sharing the fsync with concurrent callers for the same
 * folder. The caller keeps `fd` open until the promise settles.
 */
export function syncFolder(fd: number): Promise<void> {
  let key: string;
  try {
    const st = fs.fstatSync(fd);
    key = `${st.dev}:${st.ino}`;
  } catch {
    return fsyncFd(fd);
  }
  const group = groups.get(key);
  if (group === undefined) {
    const running = fsyncFd(fd).finally(() => settle(key));
    groups.set(key, { running, next: undefined });
    return running;
  }
  // An fsync is in flight and may have begun before this caller's rename: join the next one.
  if (group.next === undefined) {
    group.next = group.running.then(() => {
      const g = groups.get(key);
      const running = fsyncFd(fd).finally(() => settle(key));
      if (g !== undefined) {
        g.running = running;
        g.next = undefined;
      }
      return running;
    });
  }
  return group.next;
}

/** Forgets a folder's group once its fsync is done and no one waits for another. */
function settle(key: string): void {
  const g = groups.get(key);
  if (g !== undefined && g.next === undefined) groups.delete(key);
}
