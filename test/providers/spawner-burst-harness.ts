/**
 * A worker stand-in that goes away while its spawner is busy: it sends a burst of long runs
 * (unsandboxed `sleep`, tagged with a variable) and exits at once, so the spawner is still
 * starting them — and reporting each start — when the worker's end of the channel is gone.
 * It prints `{"spawner": <pid>}` before the burst.
 *
 * Usage: node dist/test/providers/spawner-burst-harness.js '{"cwd": …, "token": …, "runs": 20}'
 */
import { runInSpawner, spawnerPid } from '../../src/providers/spawner/client';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as { cwd: string; token: string; runs: number };
  const spec = { cwd: config.cwd, timeoutMs: 60_000, maxOutputBytes: 4096 };
  await runInSpawner({ ...spec, file: '/bin/true', args: [], env: {} }); // the spawner is up
  process.stdout.write(`${JSON.stringify({ spawner: spawnerPid() })}\n`);
  for (let i = 0; i < config.runs; i++) {
    runInSpawner({ ...spec, file: '/bin/sh', args: ['-c', 'sleep 60'], env: { AOK_RUN_TOKEN: config.token } }).catch(() => undefined);
  }
  process.exit(0); // the run messages are written; the worker is gone before the spawner has started them all
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
