/**
 * Runs one program with no shell, capped output and a timeout: SIGTERM, then SIGKILL after
 * a grace period.
 *
 * Sandboxed (the default of the process provider, `spec.sandbox`): the program runs under
 * bubblewrap in its own PID namespace (see sandbox/lifecycle.ts). SIGTERM goes to the
 * program's process group inside the sandbox, so its TERM handler runs; SIGKILL goes to the
 * sandbox's init, and the kernel then ends every process of the namespace — `setsid`
 * grandchildren and daemons included. When the program exits, init exits and the same
 * happens, so nothing it started outlives the action.
 *
 * Unsandboxed (operator turned the sandbox off): the program leads its own process group
 * (`detached: true` = setsid) and the group is signalled. A descendant that calls `setsid()`
 * (or `setpgid`) moves to a new group and survives `kill(-pgid)`; so does anything that
 * double-forks into a new session (daemons).
 *
 * The process provider calls this in its spawner process (spawner/client.ts), not in the worker.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ProviderAbortedError, SandboxFailedError } from './errors';
import {
  decodeSandboxExit,
  hasProgramStarted,
  killSandbox,
  readSandboxInfo,
  terminateSandboxedProgram,
  waitSandboxGone,
  type SandboxInfo,
} from './sandbox/lifecycle';
import { openCwdFolder } from './sandbox/cwd-folder';
import { feedSeccomp } from './sandbox/seccomp';
import { sandboxStdio } from './sandbox/stdio';
import { CWD_MOVED_EXIT, CWD_MOVED_MESSAGE, SANDBOX_STARTED_MARK, type SandboxCommand, type SandboxCwdFolder } from './sandbox/types';

/** What to run; `file` is an absolute path already checked by the caller. */
export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin?: string;
  readonly timeoutMs: number;
  /** Cap for each of stdout and stderr; further output is read and discarded. */
  readonly maxOutputBytes: number;
  /** Time between SIGTERM and SIGKILL. */
  readonly graceMs?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly signal?: AbortSignal;
  /** Run `file` (bubblewrap) with these spawn options: the sandbox semantics above apply. */
  readonly sandbox?: SandboxCommand['spawnOptions'];
  /** With `sandbox`: the checked working directory bubblewrap expects as a descriptor (see {@link openCwdFolder}). */
  readonly cwdFolder?: SandboxCwdFolder;
  /** With `sandbox`: the command reports the program's start on a sixth pipe ({@link SandboxCommand.startedFd}). */
  readonly startedFd?: true;
  /** Told what to kill should the launcher itself be lost (see spawner/client.ts); never called after the run ended. */
  readonly observe?: RunObserver;
}

/** What a launcher learns about a run while it starts. */
export interface RunObserver {
  /** The spawned process: the group leader (unsandboxed) or bubblewrap. */
  started(pid: number): void;
  /** The sandbox's init, once bubblewrap reported it. */
  sandbox(info: SandboxInfo): void;
}

/** The outcome of one run. Output is decoded as UTF-8 (a cut may leave U+FFFD at the end). */
export interface ProcessOutcome {
  /** Exit code, or null when the process ended by a signal. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /**
   * Unsandboxed: the process id of the group leader (= the group id). Sandboxed: the host pid
   * of the sandbox's init, whose process group holds the program; gone with everything it ran.
   */
  readonly pid: number;
  /**
   * Sandboxed runs whose command reports the start ({@link ProcessSpec.startedFd}): whether the
   * check before the program passed and started it. False: nothing of the program ran (the
   * run's exit status and stderr are then the refusal's).
   */
  readonly programStarted?: boolean;
}

/** Collects at most `cap` bytes of a stream and remembers whether more came. */
class CappedSink {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The outcome of a run whose working directory was not the checked one: what the check inside the sandbox reports. */
function cwdMovedOutcome(started: number): ProcessOutcome {
  return {
    exitCode: CWD_MOVED_EXIT,
    signal: null,
    stdout: '',
    stderr: `${CWD_MOVED_MESSAGE}\n`,
    stdoutTruncated: false,
    stderrTruncated: false,
    timedOut: false,
    durationMs: Math.round(performance.now() - started),
    pid: -1,
    programStarted: false,
  };
}

/**
 * Spawns bubblewrap with the sandbox's descriptors (sandbox/stdio.ts): the working directory's
 * descriptor (if any) as 4, closed here; with `startedFd`, the start report's pipe as 5; the
 * seccomp filter, written at once, as 6.
 */
function spawnSandbox(
  file: string,
  args: readonly string[],
  options: SandboxCommand['spawnOptions'],
  cwdFd: number | undefined,
  startedFd: boolean,
): ChildProcessByStdio<Writable, Readable, Readable> {
  try {
    // The first three are pipes (Node's types know only three-entry tuples).
    const child = spawn(file, [...args], { ...options, stdio: sandboxStdio(options.stdio, cwdFd, startedFd), cwd: '/' }) as ChildProcessByStdio<
      Writable,
      Readable,
      Readable
    >;
    feedSeccomp(child.stdio);
    return child;
  } finally {
    if (cwdFd !== undefined) closeSync(cwdFd);
  }
}

/** Reads the start report of {@link SANDBOX_STARTED_FD} (a few bytes at most are kept); `started()` is true once the mark came first. */
function startReport(stream: Readable | null | undefined): { started(): boolean } {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    if (text.length < SANDBOX_STARTED_MARK.length) text += chunk.toString('latin1').slice(0, SANDBOX_STARTED_MARK.length);
  });
  stream?.on('error', () => undefined);
  return { started: () => text.startsWith(SANDBOX_STARTED_MARK) };
}

/** Sends `signal` to every process of group `pgid`; a group that is already gone is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Runs `spec` and resolves when the leader has exited and its output pipes are closed.
 * A timeout is not an error: the outcome says `timedOut: true`.
 * @throws ProviderAbortedError when `spec.signal` aborts (the group is killed first).
 * @throws the spawn error (e.g. EACCES) when the program cannot be started.
 */
export function runProcessTree(spec: ProcessSpec): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cwdFd = spec.sandbox !== undefined && spec.cwdFolder !== undefined ? openCwdFolder(spec.cwdFolder) : undefined;
    if (cwdFd === null) return resolve(cwdMovedOutcome(started));
    const child =
      spec.sandbox !== undefined
        ? spawnSandbox(spec.file, spec.args, spec.sandbox, cwdFd, spec.startedFd === true)
        : spawn(spec.file, [...spec.args], {
            cwd: spec.cwd,
            env: { ...spec.env },
            detached: true,
            shell: false,
            stdio: ['pipe', 'pipe', 'pipe'],
            ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
            ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
          });
    if (child.pid !== undefined) spec.observe?.started(child.pid);
    let info: SandboxInfo | undefined;
    let infoRead: Promise<SandboxInfo | undefined> = Promise.resolve(undefined);
    if (spec.sandbox !== undefined && child.stdio[3] !== undefined && child.stdio[3] !== null) {
      infoRead = readSandboxInfo(child.stdio[3] as Readable).then((found) => {
        if (found !== undefined && exit === undefined) spec.observe?.sandbox(found);
        return (info = found);
      });
    }
    const report =
      spec.sandbox !== undefined && spec.startedFd === true ? startReport((child.stdio as unknown as (Readable | null | undefined)[])[5]) : undefined;
    const out = new CappedSink(spec.maxOutputBytes);
    const err = new CappedSink(spec.maxOutputBytes);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined); // EPIPE when the child does not read stdin
    child.stdin.end(spec.stdin ?? '');

    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    const kill = (): void => {
      if (child.pid === undefined) return;
      if (spec.sandbox === undefined) return killGroup(child.pid, 'SIGKILL');
      // bubblewrap exits only after its init has: the namespace is gone, and the pid may be reused.
      if (exit !== undefined) return;
      if (info !== undefined) killSandbox(info);
      killGroup(child.pid, 'SIGKILL'); // bubblewrap itself; its init dies with it (die-with-parent)
    };
    // A program still being set up (mounts) gets its SIGTERM as soon as it exists, within the grace period.
    const termWhenStarted = (found: SandboxInfo): void => {
      if (exit !== undefined) return;
      if (hasProgramStarted(found)) return terminateSandboxedProgram(found);
      setTimeout(() => termWhenStarted(found), 5).unref();
    };
    const terminate = (): void => {
      if (child.pid === undefined || exit !== undefined) return;
      if (spec.sandbox === undefined) killGroup(child.pid, 'SIGTERM');
      else if (info !== undefined) termWhenStarted(info);
      else return kill(); // bubblewrap has not even made the sandbox yet: nothing to let finish
      killTimer = setTimeout(kill, spec.graceMs ?? 500);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, spec.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.signal?.aborted === true) onAbort();

    child.on('exit', (code, signal) => {
      exit = spec.sandbox === undefined ? { code, signal } : decodeSandboxExit(code, signal, timedOut || aborted);
      // The leader is gone: whatever else is left in its group (or sandbox) goes with it.
      kill();
      // A descendant that escaped the group (setsid) may still hold our pipes: stop waiting.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, spec.graceMs ?? 500).unref();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    // Sandboxed: bubblewrap exits as soon as the program has; wait for its init too, so nothing is left.
    child.on(
      'close',
      () =>
        void infoRead.then(async () => {
          if (info !== undefined && !(await waitSandboxGone(info))) killSandbox(info);
          clearTimeout(timer);
          if (killTimer !== undefined) clearTimeout(killTimer);
          spec.signal?.removeEventListener('abort', onAbort);
          if (aborted) return reject(new ProviderAbortedError('proc.exec', { cause: spec.signal?.reason }));
          if (spec.sandbox !== undefined && info === undefined && !timedOut) {
            // bubblewrap's own message names host paths: it goes to the worker's log, not to the agent.
            process.emitWarning(`agent-os-kernel: bubblewrap failed: ${err.text().trim().slice(0, 500)}`, { code: 'AOK_SANDBOX_FAILED' });
            return reject(new SandboxFailedError(`bubblewrap exited with ${String(exit?.code ?? exit?.signal)} before the program started`));
          }
          resolve({
            exitCode: exit?.code ?? null,
            signal: exit?.signal ?? null,
            stdout: out.text(),
            stderr: err.text(),
            stdoutTruncated: out.truncated,
            stderrTruncated: err.truncated,
            timedOut,
            durationMs: Math.round(performance.now() - started),
            pid: info?.initPid ?? child.pid ?? -1,
            ...(report !== undefined ? { programStarted: report.started() } : {}),
          });
        }),
    );
  });
}
