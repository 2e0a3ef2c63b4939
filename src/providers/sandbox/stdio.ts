/**
 * The descriptors a launcher hands bubblewrap: stdin, stdout and stderr, the info pipe (3), the
 * checked working directory (4, `SANDBOX_CWD_FD`, when the command asks for it), the start
 * report (5, `SANDBOX_STARTED_FD`, when the command reports it) and the seccomp filter (6,
 * `SANDBOX_SECCOMP_FD`, always: write it with `feedSeccomp`). A descriptor not used is left
 * closed in bubblewrap.
 */
import type { StdioOptions } from 'node:child_process';
import { openSync } from 'node:fs';
import { inheritableFds } from '../spawner/inherited-fds';
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

let devNull: number | undefined;

/**
 * `stdio` with `/dev/null` in place of every descriptor this process would pass on by accident
 * (one its parent left open without close-on-exec: a shell's redirection, a supervisor's socket)
 * that `stdio` does not set itself. bubblewrap closes nothing it did not open, so such a
 * descriptor reached the sandboxed program, which wrote into a host file outside its mounts
 * through it (red team 15b). For launchers in a process that keeps its inherited descriptors
 * (the worker starting stdio MCP servers); the spawner closes its own as it starts.
 */
export function maskInheritedFds(stdio: StdioOptions): StdioOptions {
  const leaks = inheritableFds();
  if (leaks.length === 0 || !Array.isArray(stdio)) return stdio;
  const masked = [...(stdio as unknown[])];
  devNull ??= openSync('/dev/null', 'r+'); // close-on-exec, as Node opens everything; kept for the process
  for (const fd of leaks) {
    for (let i = masked.length; i < fd; i++) masked.push('ignore'); // no holes: Node would skip them
    if (masked[fd] === undefined || masked[fd] === 'ignore') masked[fd] = devNull;
  }
  return masked as StdioOptions;
}
