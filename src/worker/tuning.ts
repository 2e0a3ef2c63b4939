/**
 * The agent worker's performance defaults, chosen by measurement (docs/performance.md,
 * bench/load.ts). `createAgentWorker` applies them under the caller's `workerOptions`, so an
 * embedder can still override any of them.
 */
import type { WorkerOptions } from '@temporalio/worker';

/** Worker options tuned for agent runs (see docs/performance.md, "Temporal throughput"). */
export const AGENT_WORKER_TUNING: Readonly<Partial<WorkerOptions>> = {};
