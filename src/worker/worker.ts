/**
 * `createAgentWorker`: a Temporal worker hosting the agent workflows and the kernel's
 * activities. With `workspaceQueue` it also polls that queue with activities only, bound
 * to this host's workspace: runs send their fs.* and proc.* activities there, so workers
 * on several hosts never act on each other's workspaces.
 */
import path from 'node:path';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index';
import { WORKER_HEARTBEAT_OPTIONS } from '../activities/heartbeat';
import { workerCodecOptions } from '../codec/worker-options';
import type { KeyRing } from '../codec/key-ring';
import { ensureSearchAttributes } from './register-search-attributes';
import { AGENT_WORKER_TUNING } from './tuning';

/** Options of {@link createAgentWorker}. */
export interface AgentWorkerOptions extends ActivityDeps {
  readonly connection: NativeConnection;
  /** Namespace (default `default`). */
  readonly namespace?: string;
  /** Queue runs are started on (workflows, model and tool activities). */
  readonly taskQueue: string;
  /** A second queue, polled with activities only, for runs whose `workspaceQueue` names it. */
  readonly workspaceQueue?: string;
  /** A prebuilt workflow bundle (default: bundle dist/src/workflows at start). */
  readonly workflowBundle?: { readonly code: string };
  /** Register the search attributes runs set, when missing (default true; idempotent). */
  readonly registerSearchAttributes?: boolean;
  /** Payload codec keys (default: from AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS; none: plaintext). */
  readonly codecKeys?: KeyRing;
  /** Extra worker options (e.g. concurrency limits), over {@link AGENT_WORKER_TUNING}. */
  readonly workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'workflowBundle' | 'workflowsPath'>>;
}

/** A created, not yet running, agent worker. */
export interface AgentWorker {
  readonly taskQueue: string;
  readonly workspaceQueue?: string;
  /** The underlying workers (the main one first). */
  readonly workers: readonly Worker[];
  /** Polls until {@link AgentWorker.shutdown}; `onReady` fires once every queue is polled. */
  run(options?: { readonly onReady?: () => void }): Promise<void>;
  /** Runs while `fn` runs, then shuts down (also when `fn` throws). */
  runUntil<T>(fn: Promise<T> | (() => Promise<T>)): Promise<T>;
  /** Starts a graceful shutdown; `run()` resolves when it is done. */
  shutdown(): void;
}

/** The compiled workflows' entry point. */
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.js');

/**
 * Creates the worker(s). Registers missing search attributes first (see
 * {@link ensureSearchAttributes}): a server without them fails the runs' workflow tasks.
 * @throws from `Worker.create` (unknown namespace, bundling errors), SearchAttributesError.
 * @example
 * const worker = await createAgentWorker({ connection, taskQueue: 'agent-os', kernel, chat, model: 'gpt-4o' });
 * await worker.run({ onReady: () => console.log('polling') });
 */
export async function createAgentWorker(options: AgentWorkerOptions): Promise<AgentWorker> {
  const namespace = options.namespace ?? 'default';
  if (options.registerSearchAttributes !== false) await ensureSearchAttributes(options.connection, namespace);
  const activities = createActivities(options);
  const workflows = options.workflowBundle !== undefined ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH };
  const codec = workerCodecOptions(options.codecKeys, options.workflowBundle);
  const main = await Worker.create({
    ...WORKER_HEARTBEAT_OPTIONS,
    ...AGENT_WORKER_TUNING,
    ...options.workerOptions,
    ...codec,
    connection: options.connection,
    namespace,
    taskQueue: options.taskQueue,
    activities,
    ...workflows,
  });
  const workers = [main];
  if (options.workspaceQueue !== undefined && options.workspaceQueue !== options.taskQueue) {
    workers.push(
      await Worker.create({
        ...WORKER_HEARTBEAT_OPTIONS,
        ...AGENT_WORKER_TUNING,
        ...options.workerOptions,
        ...codec,
        connection: options.connection,
        namespace,
        taskQueue: options.workspaceQueue,
        activities,
      }),
    );
  }
  const shutdown = (): void => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const run = async (runOptions: { readonly onReady?: () => void } = {}): Promise<void> => {
    const runs = workers.map((w) => w.run());
    // A worker whose sibling fails must stop too, or run() would never settle.
    const all = Promise.all(runs.map((r) => r.catch((err: unknown) => (shutdown(), Promise.reject(err)))));
    if (runOptions.onReady) void whenRunning(workers, all).then((ok) => ok && runOptions.onReady?.());
    await all;
  };
  return {
    taskQueue: options.taskQueue,
    ...(workers.length > 1 ? { workspaceQueue: options.workspaceQueue as string } : {}),
    workers,
    run,
    shutdown,
    async runUntil<T>(fn: Promise<T> | (() => Promise<T>)): Promise<T> {
      const running = run();
      try {
        return await (typeof fn === 'function' ? fn() : fn);
      } finally {
        shutdown();
        await running;
      }
    },
  };
}

async function whenRunning(workers: readonly Worker[], settled: Promise<unknown>): Promise<boolean> {
  let done = false;
  void settled.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    if (workers.every((w) => w.getState() === 'RUNNING')) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
