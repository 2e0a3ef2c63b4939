/**
 * Runs one program as the leader of its own process group (`detached: true` = setsid),
 * with no shell, capped output and a timeout that ends the whole group: SIGTERM, then
 * SIGKILL after a grace period. When the leader exits, the rest of its group is killed too,
 * so no background child outlives the action.
 *
 * What a group kill cannot catch: a descendant that calls `setsid()` (or `setpgid`) moves to a
 * new group and survives `kill(-pgid)`; so does anything that double-forks into a new
 * session (daemons). Mitigations, strongest last: run as a dedicated unprivileged uid (then
 * `kill -KILL -1` as that uid, or an empty uid, cleans up everything), cap its process count
 * and memory with `prlimit --nproc/--as` (see `ProcessHardening`), or run each action in its
 * own cgroup v2 and write `1` to `cgroup.kill` (not done here: needs a delegated cgroup).
 */
import { spawn } from 'node:child_process';
import { ProviderAbortedError } from './errors';

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
  /** The process id of the group leader (= the group id). */
  readonly pid: number;
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
    const child = spawn(spec.file, [...spec.args], {
      cwd: spec.cwd,
      env: { ...spec.env },
      detached: true,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
      ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
    });
    const out = new CappedSink(spec.maxOutputBytes);
    const err = new CappedSink(spec.maxOutputBytes);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined); // EPIPE when the child does not read stdin
    child.stdin.end(spec.stdin ?? '');

    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = (): void => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), spec.graceMs ?? 500);
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

    let exit: { code: number | null; signal: string | null } | undefined;
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // The leader is gone: whatever else is left in its group goes with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
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
    child.on('close', () => {
      clearTimeout(timer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (aborted) return reject(new ProviderAbortedError('proc.exec', { cause: spec.signal?.reason }));
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: out.text(),
        stderr: err.text(),
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        pid: child.pid ?? -1,
      });
    });
  });
}
