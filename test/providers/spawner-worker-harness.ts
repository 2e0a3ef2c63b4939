/**
 * A worker stand-in for the spawner tests: a process of its own that runs one long
 * `proc.exec` (the bounded forker, tagged with a variable) through a ProcessProvider, and
 * prints `{"spawner": <pid>}` once every forked process exists — the test then kills it.
 *
 * Usage: node dist/test/providers/spawner-worker-harness.js '{"workspace": …, "sandbox": "bwrap"|"off", "token": …}'
 */
import { ProcessProvider, SandboxMode } from '../../src/providers/process';
import { spawnerPid } from '../../src/providers/spawner/client';
import { pollUntil } from '../helpers/poll';
import { processesWithEnv } from '../helpers/processes';
import { run } from './process-fixture';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as { workspace: string; sandbox: SandboxMode; token: string };
  const provider = new ProcessProvider({ mounts: { '/workspace': config.workspace }, sandbox: config.sandbox });
  const mode = config.sandbox === SandboxMode.Bwrap ? 'setsid' : 'group';
  const pending = run(provider, 'sh', { args: ['forker.sh', '3', mode], timeout_ms: 60_000, env: { AOK_RUN_TOKEN: config.token } }, { env: ['AOK_RUN_TOKEN'] });
  pending.catch(() => undefined);
  // sh and its 3 children
  if (!(await pollUntil(() => processesWithEnv('AOK_RUN_TOKEN', config.token).length >= 4, 10_000))) throw new Error('the forker did not start');
  process.stdout.write(`${JSON.stringify({ spawner: spawnerPid() })}\n`);
  await pending;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
