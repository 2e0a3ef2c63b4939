/**
 * A worker stand-in started with a host file open on fd 50 without close-on-exec (as a shell or
 * a supervisor may leave one): it runs a program, sandboxed and unsandboxed, that writes to
 * fd 50, and prints `{"fd50": <what fd 50 is>, "bwrap": <exit code>, "off": <exit code>}`.
 *
 * Usage: bash -c 'exec 50>>"$0"; exec "$@"' <file> node dist/test/providers/spawner-fd-harness.js '{"workspace": …}'
 */
import { readlinkSync } from 'node:fs';
import { ProcessProvider, SandboxMode } from '../../src/providers/process';
import { run } from './process-fixture';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as { workspace: string };
  const mounts = { '/workspace': config.workspace };
  const sandboxed = await run(new ProcessProvider({ mounts }), 'bash', { args: ['-c', 'echo from the sandbox >&50'] });
  const off = await run(new ProcessProvider({ mounts, sandbox: SandboxMode.Off }), 'bash', { args: ['-c', 'echo from an unsandboxed program >&50'] });
  process.stdout.write(`${JSON.stringify({ fd50: readlinkSync('/proc/self/fd/50'), bwrap: sandboxed.exitCode, off: off.exitCode })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
