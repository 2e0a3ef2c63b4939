/**
 * A long-lived sandboxed child with pipes, for launchers that talk to a program over stdio
 * (e.g. stdio MCP servers): spawn, learn the sandbox's init pid, and stop it the same way
 * the process provider ends a timed-out program.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { childProcess } from '../child-process-lazy';
import { buildSandboxCommand } from './bwrap-args';
import { killSandbox, readSandboxInfo, terminateSandboxedProgram, waitSandboxGone, type SandboxInfo } from './lifecycle';
import { probeSandbox, type SandboxProbe } from './probe';
import { feedSeccomp } from './seccomp';
import { maskInheritedFds, sandboxStdio } from './stdio';
import type { SandboxSpec } from './types';

/** A running sandboxed program. */
export interface SandboxedChild {
  /** bubblewrap's child process; `exit` fires when the program has exited. */
  readonly process: ChildProcess;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The sandbox's init pid once bubblewrap reported it; `undefined` when it failed to start. */
  readonly info: Promise<SandboxInfo | undefined>;
  /**
   * Ends the program: SIGTERM to its process group (its handler runs), SIGKILL to the whole
   * sandbox after `graceMs` (default 500), and resolves once nothing of it is left.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `spec` in the sandbox with stdin, stdout and stderr as pipes.
 * @throws SandboxUnavailableError / SandboxConfigError as {@link buildSandboxCommand}.
 * @example
 * const server = spawnSandboxed({ command: '/usr/bin/python3', args: ['-m', 'mcp_server'], cwd: '/workspace',
 *   env: { PATH: '/usr/bin:/bin' }, mounts: [{ agent: '/workspace', host: '/srv/ws', readOnly: true }] });
 * server.stdin.write(JSON.stringify(request) + '\n');
 * // … later
 * await server.stop();
 */
export function spawnSandboxed(spec: SandboxSpec, probe: SandboxProbe = probeSandbox(), hostIds: { uid?: number; gid?: number } = {}): SandboxedChild {
  const command = buildSandboxCommand(spec, probe, hostIds);
  const child = childProcess().spawn(command.file, [...command.args], {
    ...command.spawnOptions,
    stdio: maskInheritedFds(sandboxStdio(command.spawnOptions.stdio, undefined, false)),
    cwd: '/',
  });
  feedSeccomp(child.stdio);
  const info = readSandboxInfo(child.stdio[3] as Readable);
  let exited = child.exitCode !== null || child.signalCode !== null;
  const exit = new Promise<void>((resolve) => {
    if (exited) return resolve();
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const stop = async (graceMs = 500): Promise<void> => {
    const found = await info;
    if (!exited && found !== undefined) {
      terminateSandboxedProgram(found);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        exit,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      if (timer !== undefined) clearTimeout(timer);
      if (!exited) killSandbox(found);
    }
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await exit;
    if (found !== undefined && !(await waitSandboxGone(found))) killSandbox(found);
  };
  return { process: child, stdin: child.stdin as Writable, stdout: child.stdout as Readable, stderr: child.stderr as Readable, info, stop };
}
