/**
 * Which writer owns a segment. Node has no `flock`, and a lock per append would cost more
 * than the whole deny path; instead a writer claims a segment once, when it opens it, by
 * creating `<segment>.writer` exclusively (`O_CREAT|O_EXCL`, atomic on local file systems)
 * with its host, pid and a random id, and removes it on `close`. A writer that finds the
 * claim held by a live process (or by a process on another host, which it cannot check)
 * takes a segment of its own instead. A claim left by a process that died (same host,
 * pid gone, or our own pid but not claimed by this process: a restarted container) is stale
 * and is taken over.
 *
 * Residual: two processes taking over the same stale claim at the same instant are told
 * apart by re-reading the claim after the takeover; a third one racing in that window
 * could share the segment with the winner (one host, after a crash, three writers starting
 * within microseconds). `audit verify` would then report the fork.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Claims this process holds (paths of `.writer` files). */
const held = new Set<string>();

interface ClaimContent {
  readonly host: string;
  readonly pid: number;
  readonly id: string;
}

/** A held claim; `release` removes it if it is still ours. */
export interface Claim {
  readonly file: string;
  release(): void;
}

/** The claim file of a segment. */
export function claimFile(segment: string): string {
  return `${segment}.writer`;
}

/**
 * Tries to claim `segment` for this writer.
 * @returns the claim, or `undefined` when another live writer holds it.
 * @throws Error from `fs` for failures other than "already claimed".
 */
export function tryClaim(segment: string): Claim | undefined {
  const file = claimKey(claimFile(segment));
  const mine: ClaimContent = { host: os.hostname(), pid: process.pid, id: randomBytes(8).toString('hex') };
  if (create(file, mine)) return held.add(file) && claim(file, mine);
  const current = read(file);
  // An unreadable claim may be one being written right now: step aside (a segment of our own is always safe).
  if (current === undefined || isAlive(current, file)) return undefined;
  // Stale: move it aside, check we moved the one we judged, then create ours.
  const aside = `${file}.stale-${mine.id}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return undefined; // someone else took it over first
  }
  const moved = read(aside);
  if (moved?.id !== current.id) {
    // We moved a fresh claim of a racing writer: put it back and step aside.
    try {
      fs.linkSync(aside, file);
    } catch {
      // the racer's claim could not be restored; the racer keeps writing its segment anyway
    }
    fs.rmSync(aside, { force: true });
    return undefined;
  }
  fs.rmSync(aside, { force: true });
  if (!create(file, mine)) return undefined;
  held.add(file);
  return claim(file, mine);
}

/**
 * The claim file's path with its folder's real path: the key of {@link held}, so one process
 * that names the same log two ways (`dir/kernel.log`, `dir/./kernel.log`, a relative path, a
 * symlinked folder) knows the claim is its own, live, and takes a segment of its own for the
 * second writer instead of taking the claim over as stale and sharing the file.
 */
function claimKey(file: string): string {
  try {
    return path.join(fs.realpathSync(path.dirname(file)), path.basename(file));
  } catch {
    return path.resolve(file); // a missing folder: opening the log fails next anyway
  }
}

function claim(file: string, mine: ClaimContent): Claim {
  return {
    file,
    release: () => {
      held.delete(file);
      if (read(file)?.id === mine.id) fs.rmSync(file, { force: true });
    },
  };
}

function create(file: string, content: ClaimContent): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(content)}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function read(file: string): ClaimContent | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClaimContent>;
    if (typeof parsed.host === 'string' && typeof parsed.pid === 'number' && typeof parsed.id === 'string') {
      return { host: parsed.host, pid: parsed.pid, id: parsed.id };
    }
  } catch {
    // missing, half-written or not ours: treated as no readable claim
  }
  return undefined;
}

function isAlive(content: ClaimContent, file: string): boolean {
  if (content.host !== os.hostname()) return true; // cannot check another host: assume it lives
  if (content.pid === process.pid) return held.has(file);
  try {
    process.kill(content.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
