/**
 * A real agent worker in a process of its own, so the fault tests can `kill -9` it and start
 * it again. Configuration comes as one JSON argument ({@link WorkerProcessConfig}); it prints
 * `ready` once it polls, shuts down on SIGTERM, and exits when its parent's pipe (stdin)
 * closes, so it never outlives a crashed test.
 *
 * Usage: node dist/test/reliability/worker-process.js '<json config>'
 */
import { NativeConnection, Worker, DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index';
import { Kernel } from '../../src/kernel/kernel';
import { createChat } from '../../src/model/chat';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { ProcessProvider } from '../../src/providers/process';
import { AGENT_WORKER_TUNING } from '../../src/worker/tuning';

/** What the parent passes. */
export interface WorkerProcessConfig {
  readonly address: string;
  readonly taskQueue: string;
  /** Host folder mounted at /workspace. */
  readonly workspace: string;
  readonly policyFile: string;
  readonly logPath: string;
  readonly modelBaseURL: string;
  /** Path of a prebuilt workflow bundle (bundling on every restart would take seconds). */
  readonly bundlePath: string;
  /** Concurrent activity / workflow task slots (default: the SDK's). */
  readonly maxConcurrent?: number;
  /** Further worker options (JSON-safe ones only), over the agent worker's tuned defaults. */
  readonly workerOptions?: Readonly<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const mounts = { '/workspace': config.workspace };
  const kernel = new Kernel({
    policy: config.policyFile,
    logPath: config.logPath,
    providers: [new FilesystemProvider({ mounts }), new ProcessProvider({ mounts })],
  });
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await Worker.create({
    connection,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    activities: createActivities({ kernel, chat: createChat({ baseURL: config.modelBaseURL, apiKey: 'test', model: 'scripted' }), model: 'scripted' }),
    ...AGENT_WORKER_TUNING,
    stickyQueueScheduleToStartTimeout: '1s',
    ...(config.maxConcurrent !== undefined
      ? {
          maxConcurrentActivityTaskExecutions: config.maxConcurrent,
          maxConcurrentWorkflowTaskExecutions: config.maxConcurrent,
          maxCachedWorkflows: Math.max(config.maxConcurrent, 200),
        }
      : {}),
    ...config.workerOptions,
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdin.on('end', () => process.exit(3));
  process.stdin.resume();
  process.stdout.write('ready\n');
  await worker.run();
  await kernel.close();
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-process: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
