/** Process helpers for provider tests: liveness by pid (zombies count as gone) and the bounded forker. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';
import { pollUntil } from './poll';

/** Path of the bounded forker script (at most 20 sleeping children). */
export const forkerScript: string = path.join(repoRoot, 'test', 'helpers', 'forker.sh');

/** True if `pid` names a running (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of running (non-zombie) processes whose argv holds `marker` as a whole argument. */
export function pidsWith(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(marker) && isAlive(Number(d)) ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

/** The pids a forker printed (`pid <n>` lines). */
export function forkedPids(stdout: string): number[] {
  return [...stdout.matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
}

/** Waits (polling /proc, not sleeping blindly) until every pid is gone or `limitMs` passes. */
export async function waitUntilGone(pids: readonly number[], limitMs = 2000): Promise<number[]> {
  let alive = pids.filter(isAlive);
  await pollUntil(() => (alive = alive.filter(isAlive)).length === 0, limitMs, 0);
  return alive;
}

/**
 * Host pids of the live (non-zombie) processes whose environment holds `name=value`. Pids a
 * program prints inside the sandbox are its own PID namespace's, so tests tag a run with a
 * unique variable and look for it from the host instead.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`);
      if (environ.includes(needle) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits (polling /proc) until no live process carries `name=value` or `limitMs` passes; returns the survivors. */
export async function waitUntilNone(name: string, value: string, limitMs = 3000): Promise<number[]> {
  const end = Date.now() + limitMs;
  let alive = processesWithEnv(name, value);
  while (alive.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10)); // a poll interval, not a synchronisation
    alive = processesWithEnv(name, value);
  }
  return alive;
}

/** Host pids of the live processes below `pid` (its children, theirs, …), from /proc's parent links. */
export function descendantsOf(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (const candidate of parent.keys()) {
    for (let p = parent.get(candidate); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === pid) {
        if (isAlive(candidate)) found.push(candidate);
        break;
      }
    }
  }
  return found;
}
