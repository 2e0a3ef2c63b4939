/**
 * The agent worker's performance settings, chosen by measurement (docs/performance.md,
 * "Temporal throughput"; bench/load.ts). `createAgentWorker` applies them under the caller's
 * `workerOptions`, so an embedder can still override any of them.
 *
 * What the measurements showed: at 100 concurrent runs on one worker the limit is the server
 * (a dev server's SQLite commits) or the machine's CPU, never the worker's slots or cache —
 * workflow tasks run in ~15 ms and wait seconds to be handed out, slots stay free, every sticky
 * task hits the cache, activities start eagerly. Concurrency limits, poller autoscaling and a
 * shorter sticky timeout moved nothing beyond the noise, or made things worse. So the slot
 * counts and the cache size stay the SDK's (40 workflow tasks, 100 activities, 100 local
 * activities, a cache sized from the heap; not set here, so a `tuner` in `workerOptions`
 * still works), and what is set is what must not be lowered.
 */
import type { WorkerOptions } from '@temporalio/worker';

/** Worker options of every agent worker (see the module comment and docs/performance.md). */
export const AGENT_WORKER_TUNING = {
  /** One V8 context for all workflows (the SDK's default): far less memory and CPU per run. */
  reuseV8Context: true,
  /**
   * How long a task waits for this worker's sticky queue before the server hands it to any
   * worker, which then replays the run's whole history. 10 s (the SDK's default): on a loaded
   * server tasks wait seconds, and 1 s turned waits into replays (p99 22 s in bench/load.ts).
   */
  stickyQueueScheduleToStartTimeout: '10s',
} as const satisfies Partial<WorkerOptions>;
