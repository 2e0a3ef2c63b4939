/**
 * The load bench's baseline worker, in a process of its own like the agent worker child
 * (test/reliability/worker-process.ts): it hosts only bench/noop-workflow.ts (its own small
 * bundle, prebuilt by the bench) and a no-op activity, with the agent worker's tuned defaults
 * and the same overrides. Prints `ready` once it polls; stops on SIGTERM or when stdin closes.
 *
 * Usage: node dist/bench/noop-worker.js '<json NoopWorkerConfig>'
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { AGENT_WORKER_TUNING } from '../src/worker/tuning';

/** What the bench passes. */
export interface NoopWorkerConfig {
  readonly address: string;
  readonly taskQueue: string;
  /** Path of the prebuilt bundle of bench/noop-workflow.ts. */
  readonly bundlePath: string;
  /** Further worker options (JSON-safe ones only), over the agent worker's tuned defaults. */
  readonly workerOptions?: Readonly<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as NoopWorkerConfig;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await Worker.create({
    connection,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    activities: { noop: async (i: number) => i },
    ...AGENT_WORKER_TUNING,
    // As the agent worker child (worker-process.ts) has it.
    stickyQueueScheduleToStartTimeout: '1s',
    ...config.workerOptions,
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdin.on('end', () => process.exit(3));
  process.stdin.resume();
  process.stdout.write('ready\n');
  await worker.run();
  await connection.close();
  process.exit(0);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`noop-worker: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
}
