/**
 * The worker's side of the spawner (main.ts): `runInSpawner(spec)` has the same contract as
 * `runProcessTree(spec)` — same outcome, same errors with their types — but the program is
 * started by a small long-lived child process instead of by the worker. A fork copies the
 * forking process's page tables, so from a worker holding hundreds of MB each spawn costs
 * milliseconds of CPU; from the small spawner it costs a fraction of that.
 *
 * The spawner is forked once per worker process, on the first run, with an empty environment
 * and no Node options, in its own session (a Ctrl-C meant for the worker does not end the
 * programs of a graceful shutdown). It holds the worker's event loop open only while runs are
 * in flight. When it ends during runs (killed, crashed), each of them fails with
 * `Provider.LauncherLost` after the worker has killed what it was told of (the process group,
 * the sandbox's init; bubblewrap's `--die-with-parent` already ends a sandbox), and the next
 * run forks a new spawner. An abort of the worker's signal becomes an `abort` message: the
 * spawner then terminates the program exactly as `runProcessTree` does in-process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { LauncherLostError } from '../errors';
import { killGroup, type ProcessOutcome, type ProcessSpec } from '../process-tree';
import { killSandbox, type SandboxInfo } from '../sandbox/lifecycle';
import { fromWireError, type FromSpawner, type ToSpawner, type WireSpec } from './protocol';

/** The compiled entry script beside this file. */
const ENTRY = path.join(__dirname, 'main.js');

interface Pending {
  readonly spec: ProcessSpec;
  readonly resolve: (outcome: ProcessOutcome) => void;
  readonly reject: (err: Error) => void;
  readonly onAbort: () => void;
  pid?: number;
  sandbox?: SandboxInfo;
}

/** One spawner process and the runs it has in flight. */
class Spawner {
  private readonly pending = new Map<number, Pending>();
  private readonly child: ChildProcess;
  private lost = false;
  private exitReason: string | undefined;

  constructor(private readonly onLost: (s: Spawner) => void) {
    this.child = fork(ENTRY, [], {
      env: {},
      execArgv: ['--no-warnings'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      detached: true,
    });
    this.child.on('message', (m: FromSpawner) => this.receive(m));
    // The channel closes after the last message the spawner sent has been read: a run it started
    // just before it died is known (and killed) before the runs are failed.
    this.child.on('disconnect', () => this.lose(this.exitReason ?? 'its channel closed'));
    this.child.on('exit', (code, signal) => {
      this.exitReason = `it exited with ${String(code ?? signal)}`;
      if (!this.child.connected) this.lose(this.exitReason);
    });
    this.child.on('error', (err) => this.lose(`${err.name}: ${err.message}`));
    this.idle();
  }

  /** The spawner's pid (tests kill it to check what happens to the runs). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  run(spec: ProcessSpec, id: number): Promise<ProcessOutcome> {
    return new Promise<ProcessOutcome>((resolve, reject) => {
      const onAbort = (): void => this.send({ type: 'abort', id });
      this.pending.set(id, { spec, resolve, reject, onAbort });
      this.busy();
      this.send({ type: 'run', id, spec: wireSpec(spec) });
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      if (spec.signal?.aborted === true) onAbort();
    });
  }

  private send(message: ToSpawner): void {
    if (this.lost) return;
    this.child.send(message, (err) => {
      if (err !== null) this.lose(`a message could not be sent (${err.message})`);
    });
  }

  private receive(m: FromSpawner): void {
    if (m.type === 'warning') return process.emitWarning(m.message, { code: m.code });
    const run = this.pending.get(m.id);
    if (run === undefined) {
      // A run already failed as lost: whatever it started must not outlive it.
      if (this.lost && m.type === 'started') killGroup(m.pid, 'SIGKILL');
      if (this.lost && m.type === 'sandbox') killSandbox(m.info);
      return;
    }
    if (m.type === 'started') {
      run.pid = m.pid;
      run.spec.observe?.started(m.pid);
    } else if (m.type === 'sandbox') {
      run.sandbox = m.info;
      run.spec.observe?.sandbox(m.info);
    } else if (m.type === 'done') {
      this.finish(m.id, run);
      run.resolve(m.outcome);
    } else {
      this.finish(m.id, run);
      run.reject(fromWireError(m.error, run.spec.signal));
    }
  }

  private finish(id: number, run: Pending): void {
    this.pending.delete(id);
    run.spec.signal?.removeEventListener('abort', run.onAbort);
    if (this.pending.size === 0) this.idle();
  }

  /** The spawner is gone (or unusable): kill what it was running, fail those runs, let the next run fork anew. */
  private lose(why: string): void {
    if (!this.lost) {
      this.lost = true;
      this.onLost(this);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    for (const [id, run] of [...this.pending]) {
      if (run.sandbox !== undefined) killSandbox(run.sandbox);
      // Unsandboxed: the group leader. Sandboxed: bubblewrap, which dies with the spawner anyway.
      if (run.pid !== undefined) killGroup(run.pid, 'SIGKILL');
      this.finish(id, run);
      run.reject(new LauncherLostError(why));
    }
    this.idle();
  }

  /** While runs are in flight the spawner keeps the worker's event loop alive, as a child process would. */
  private busy(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  private idle(): void {
    this.child.unref();
    this.child.channel?.unref();
  }
}

/** The spec without what cannot cross: the signal (aborts are messages) and the observer. */
function wireSpec(spec: ProcessSpec): WireSpec {
  const wire: { -readonly [K in keyof ProcessSpec]?: ProcessSpec[K] } = { ...spec };
  delete wire.signal;
  delete wire.observe;
  return wire as WireSpec;
}

let current: Spawner | undefined;
let nextId = 0;

/**
 * Runs `spec` in the worker's spawner (forked on first use): same outcome and errors as
 * {@link runProcessTree} in-process.
 * @throws ProviderAbortedError, SandboxFailedError, spawn errors (EACCES, ENOENT) as `runProcessTree`.
 * @throws LauncherLostError when the spawner ended during the run (the program was killed).
 */
export function runInSpawner(spec: ProcessSpec): Promise<ProcessOutcome> {
  current ??= new Spawner((lost) => {
    if (current === lost) current = undefined;
  });
  return current.run(spec, ++nextId);
}

/** The pid of the current spawner, if one is running (for tests and benches). */
export function spawnerPid(): number | undefined {
  return current?.pid;
}
