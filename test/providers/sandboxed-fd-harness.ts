/**
 * A worker stand-in started with a host file open on fd 50 without close-on-exec (as a shell or
 * a supervisor may leave one): it starts a long-lived sandboxed program the way the worker starts
 * a stdio MCP server (spawnSandboxed, not through the spawner), which writes to fd 50, and prints
 * `{"fd50": <what fd 50 is>, "code": <the program's exit code>}`.
 *
 * Usage: bash -c 'exec 50>>"$0"; exec "$@"' <file> node dist/test/providers/sandboxed-fd-harness.js '{"workspace": …}'
 */
import { readlinkSync } from 'node:fs';
import { spawnSandboxed } from '../../src/providers/sandbox';

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as { workspace: string };
  const child = spawnSandboxed({
    command: '/bin/bash',
    args: ['-c', 'echo from the sandbox >&50'],
    cwd: '/workspace',
    env: { PATH: '/usr/bin:/bin' },
    mounts: [{ agent: '/workspace', host: config.workspace }],
  });
  child.stdout.resume();
  child.stderr.resume();
  child.process.once('exit', (code) => {
    process.stdout.write(`${JSON.stringify({ fd50: readlinkSync('/proc/self/fd/50'), code })}\n`);
  });
}

main();
