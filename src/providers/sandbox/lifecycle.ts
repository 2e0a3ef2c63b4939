/**
 * Talking to a running sandbox: learn its init pid from bubblewrap's `--info-fd`, signal
 * the program, end the whole sandbox, and read its exit status.
 *
 * Inside, the sandbox's init (bubblewrap, PID 1 of the new PID namespace) started a new
 * session, so the program and every descendant that did not call `setsid` share the process
 * group whose id is init's host pid. Init ignores SIGTERM (PID 1 without a handler), so a
 * SIGTERM to that group reaches the program and its group — its TERM handler runs — and a
 * SIGKILL to init ends the namespace: the kernel kills every process in it, `setsid`
 * grandchildren included. When the program exits, init exits with it and the same happens.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { constants as osConstants } from 'node:os';

/** What bubblewrap reports on its info fd. */
export interface SandboxInfo {
  /** Host pid of the sandbox's init (PID 1 inside); also the program's process group id. */
  readonly initPid: number;
  /** Init's start time (clock ticks since boot), so a reused pid is never mistaken for it. */
  readonly startTime: string | undefined;
}

/** Field 22 (start time) and field 3 (state) of /proc/<pid>/stat, or undefined when gone. */
function procStat(pid: number): { startTime: string; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/**
 * True once the sandbox's init has exited (gone, a zombie, or its pid reused). The kernel
 * kills and reaps every other process of the PID namespace before init finishes exiting,
 * so then nothing the program started is left.
 */
export function isSandboxGone(info: SandboxInfo): boolean {
  const stat = procStat(info.initPid);
  return stat === undefined || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== info.startTime;
}

/** Waits (polling /proc every few ms) until {@link isSandboxGone} or `limitMs` passes; true when gone. */
export async function waitSandboxGone(info: SandboxInfo, limitMs = 5000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!isSandboxGone(info)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/**
 * Reads bubblewrap's info JSON from the child's fd-3 stream.
 * @returns the info, or `undefined` when bubblewrap closed the stream without one (it failed before starting the sandbox).
 */
export function readSandboxInfo(stream: Readable): Promise<SandboxInfo | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const parse = (): SandboxInfo | undefined => {
      try {
        const pid = (JSON.parse(text) as { 'child-pid'?: unknown })['child-pid'];
        return typeof pid === 'number' && Number.isInteger(pid) && pid > 1 ? { initPid: pid, startTime: procStat(pid)?.startTime } : undefined;
      } catch {
        return undefined; // incomplete so far
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      const info = parse();
      if (info !== undefined) resolve(info);
    });
    stream.on('error', () => resolve(undefined));
    stream.on('close', () => resolve(parse()));
  });
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True once the sandbox's init has started the program (a process whose parent is init exists). */
export function hasProgramStarted(info: SandboxInfo): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc to look in: do not wait
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(info.initPid)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/**
 * SIGTERM to the program's process group (init ignores it); the program's handler runs.
 * Call it only while bubblewrap is running (until then init's pid cannot be reused).
 */
export function terminateSandboxedProgram(info: SandboxInfo): void {
  if (!isSandboxGone(info)) send(-info.initPid, 'SIGTERM');
}

/** SIGKILL to the sandbox's init: the kernel ends every process of its PID namespace. */
export function killSandbox(info: SandboxInfo): void {
  if (isSandboxGone(info)) return;
  send(info.initPid, 'SIGKILL');
  send(-info.initPid, 'SIGKILL');
}

/**
 * bubblewrap reports a program killed by signal N as exit status 128+N. Decoded back to the
 * signal only when the launcher signalled it (timeout, abort), so a program's own `exit 143`
 * stays an exit code; a program that crashes on its own (SIGSEGV) reports 128+N as its exit code.
 */
export function decodeSandboxExit(code: number | null, signal: string | null, signalled: boolean): { code: number | null; signal: string | null } {
  if (!signalled || code === null || code <= 128) return { code, signal };
  const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
  return name === undefined ? { code, signal } : { code: null, signal: name };
}
