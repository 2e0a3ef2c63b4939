/**
 * The descriptors a launcher hands bubblewrap: stdin, stdout and stderr, the info pipe (3), the
 * checked working directory (4, `SANDBOX_CWD_FD`, when the command asks for it), the start
 * report (5, `SANDBOX_STARTED_FD`, when the command reports it) and the seccomp filter (6,
 * `SANDBOX_SECCOMP_FD`, always: write it with `feedSeccomp`). A descriptor not used is left
 * closed in bubblewrap.
 */
import type { StdioOptions } from 'node:child_process';
import type { SandboxCommand } from './types';

/**
 * @param cwdFd the checked working directory's descriptor (SandboxCommand.cwdFolder), if any.
 * @param startedFd whether the command reports the program's start (SandboxCommand.startedFd).
 * @example
 * const child = spawn(cmd.file, [...cmd.args], { ...cmd.spawnOptions, stdio: sandboxStdio(cmd.spawnOptions.stdio, undefined, false) });
 * feedSeccomp(child.stdio);
 */
export function sandboxStdio(base: SandboxCommand['spawnOptions']['stdio'], cwdFd: number | undefined, startedFd: boolean): StdioOptions {
  return [...base, cwdFd ?? 'ignore', startedFd ? 'pipe' : 'ignore', 'pipe'];
}
