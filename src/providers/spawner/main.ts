/**
 * The spawner: a small Node process, forked by the worker (client.ts), that starts the
 * process provider's programs with `runProcessTree` (spawn, capped output, timeout → SIGTERM
 * → SIGKILL, the sandbox's end) and reports each outcome back. It forks cheaply because it is
 * small; the worker, a large process, would pay for copying its page tables on every fork.
 *
 * It takes orders only from its IPC channel (a socket pair inherited from the worker, nothing
 * anyone else can open) and exits when that channel closes — the worker died or let it go —
 * after killing every program still running: unsandboxed process groups with SIGKILL, sandboxes
 * through their init. bubblewrap runs with `--die-with-parent`, so a sandbox also dies when the
 * spawner itself is killed.
 */
import { killGroup, runProcessTree } from '../process-tree';
import { killSandbox, type SandboxInfo } from '../sandbox/lifecycle';
import { toWireError, type FromSpawner, type ToSpawner } from './protocol';
import { closeInheritedFds } from './inherited-fds';

// Before any program is started: nothing the worker inherited by accident reaches them.
closeInheritedFds();

interface Run {
  readonly controller: AbortController;
  pid?: number;
  sandbox?: SandboxInfo;
}

const runs = new Map<number, Run>();

/**
 * Reports to the worker. A worker that died while the spawner was busy (starting a burst of
 * runs) has closed its end before the spawner has read that end's close: the write then fails
 * (EPIPE) — the worker is gone. Without a callback Node would raise that as an uncaught
 * 'error', the spawner would crash without killing anything, and every unsandboxed program it
 * had started would run on with nobody to time it out.
 */
function reply(message: FromSpawner): void {
  if (!process.connected) return;
  process.send?.(message, undefined, undefined, (err: Error | null) => {
    if (err !== null) workerGone();
  });
}

function start(id: number, spec: Extract<ToSpawner, { type: 'run' }>['spec']): void {
  const run: Run = { controller: new AbortController() };
  runs.set(id, run);
  runProcessTree({
    ...spec,
    signal: run.controller.signal,
    observe: {
      started: (pid) => {
        run.pid = pid;
        reply({ type: 'started', id, pid });
      },
      sandbox: (info) => {
        run.sandbox = info;
        reply({ type: 'sandbox', id, info });
      },
    },
  }).then(
    (outcome) => {
      runs.delete(id);
      reply({ type: 'done', id, outcome });
    },
    (err: unknown) => {
      runs.delete(id);
      reply({ type: 'failed', id, error: toWireError(err) });
    },
  );
}

/** Kills every program still running (the worker is gone: nobody will wait for them). */
function killAll(): void {
  for (const run of runs.values()) {
    if (run.sandbox !== undefined) killSandbox(run.sandbox);
    if (run.pid !== undefined) killGroup(run.pid, 'SIGKILL');
  }
}

/** The worker is gone (its channel closed, or a report to it failed): nobody will wait for the runs. */
function workerGone(): void {
  killAll();
  process.exit(0);
}

process.on('message', (message: ToSpawner) => {
  if (message.type === 'run') start(message.id, message.spec);
  else if (message.type === 'abort') runs.get(message.id)?.controller.abort();
});
process.on('disconnect', workerGone);
// Started with --no-warnings: the kernel's own warnings (AOK_*) go to the worker, which logs them.
process.on('warning', (warning: Error & { code?: unknown }) => {
  if (typeof warning.code === 'string' && warning.code.startsWith('AOK_')) reply({ type: 'warning', message: warning.message, code: warning.code });
});
if (!process.connected) process.exit(2); // not started by a worker
