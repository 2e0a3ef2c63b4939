/**
 * The OS sandbox for untrusted programs (bubblewrap on Linux): build the command with
 * {@link buildSandboxCommand} from a {@link SandboxSpec} and a {@link probeSandbox} result,
 * spawn it, read the init pid with {@link readSandboxInfo}, and end it with
 * {@link terminateSandboxedProgram} / {@link killSandbox}. Used by the process provider; a
 * launcher of stdio MCP servers uses the same calls, or {@link spawnSandboxed}, which does
 * all of it for a long-lived child with pipes.
 *
 * @example
 * const probe = probeSandbox();
 * const cmd = buildSandboxCommand({ command: '/usr/bin/node', args: ['server.js'], cwd: '/workspace',
 *   env: { PATH: '/usr/bin:/bin' }, mounts: [{ agent: '/workspace', host: '/srv/ws', readOnly: true }] }, probe);
 * const child = spawn(cmd.file, [...cmd.args], { ...cmd.spawnOptions, stdio: sandboxStdio(cmd.spawnOptions.stdio, undefined, false) });
 * feedSeccomp(child.stdio); // bubblewrap starts nothing without its seccomp filter
 * const info = await readSandboxInfo(child.stdio[3] as Readable);
 * // … later: if (info) { terminateSandboxedProgram(info); setTimeout(() => killSandbox(info), 500); }
 */
export { buildSandboxCommand } from './bwrap-args';
export { probeSandbox } from './probe';
export { readSandboxInfo, hasProgramStarted, terminateSandboxedProgram, killSandbox, waitSandboxGone } from './lifecycle';
export { spawnSandboxed, type SandboxedChild } from './spawn';
export { sandboxStdio } from './stdio';
export { feedSeccomp } from './seccomp';
export { SYSTEM_FOLDERS } from './system-view';
export { CWD_MOVED_EXIT, CWD_MOVED_MESSAGE, type SandboxMount, type SandboxLimits, type SandboxSpec, type SandboxCommand } from './types';
