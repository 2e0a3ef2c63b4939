/**
 * The process provider's side of the sandbox: the on/off switch, the start-up checks and
 * warnings, which fixed PATH folders the sandbox shows, and the real path of a program.
 */
import { closeSync, constants as fsConstants, existsSync, fstatSync, openSync, realpathSync, statSync } from 'node:fs';
import { CwdOutsideMountError } from './errors';
import type { MountTable } from './mounts';
import { checkSandboxMounts } from './sandbox/bwrap-args';
import { probeSandbox, type SandboxProbe } from './sandbox/probe';
import { isAtOrBelow } from './sandbox/system-view';

/** Whether programs run in the OS sandbox. */
export const SandboxMode = {
  /** bubblewrap (the default); `proc.exec` refuses where it does not work. */
  Bwrap: 'bwrap',
  /** No sandbox: programs run on the host as the worker (or `hardening.uid`). Loudly warned. */
  Off: 'off',
} as const;
export type SandboxMode = (typeof SandboxMode)[keyof typeof SandboxMode];

const warned = new Set<string>();
/** A loud start-up warning, once per process and message (process.emitWarning goes to stderr by default). */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'AOK_SANDBOX' });
}

/**
 * Checks the mounts for the sandbox and probes bubblewrap (cached), warning loudly when
 * programs will be refused or run as uid 0 inside.
 * @throws SandboxConfigError for a mount over a system folder.
 */
export function setUpSandbox(table: MountTable, bwrapPath: string | undefined, ids: { uid?: number; gid?: number } | undefined): SandboxProbe {
  checkSandboxMounts(table.mounts.map((m) => ({ agent: m.agent, host: m.host })));
  const probe = probeSandbox(bwrapPath, {
    ...(ids?.uid !== undefined ? { uid: ids.uid } : {}),
    ...(ids?.gid !== undefined ? { gid: ids.gid } : {}),
  });
  if (probe.problem !== undefined) {
    warnOnce(
      `agent-os-kernel: WARNING: the OS sandbox is unavailable (${probe.problem}); every proc.exec will be refused. Install bubblewrap (npm run setup) or set the process provider's sandbox option to 'off' explicitly.`,
    );
  } else if (!probe.userNamespace) {
    warnOnce('agent-os-kernel: WARNING: no user namespace for the sandbox; programs run as uid 0 inside it (all capabilities dropped).');
  }
  return probe;
}

/** Fixed PATH folders shown read-only in the sandbox: existing ones that neither hold nor lie in a mount. */
export function readOnlyPathDirs(fixedPath: readonly string[], table: MountTable): string[] {
  return fixedPath.filter(
    (dir) => existsSync(dir) && statSync(dir).isDirectory() && !table.mounts.some((m) => isAtOrBelow(dir, m.host) || isAtOrBelow(m.host, dir)),
  );
}

/** An absolute program's real path (links followed); a bare name, or a missing file, as it is. */
export function realProgram(program: string): string {
  if (!program.startsWith('/')) return program;
  try {
    return realpathSync.native(program);
  } catch {
    return program; // refused later as not found
  }
}

/**
 * The identity (device, inode) of the checked working directory, read through a descriptor
 * whose path is verified to be `hostCwd` (so a link swapped after the check is caught inside
 * the sandbox, where the program starts only in this very directory).
 * @throws CwdOutsideMountError when the folder changed since it was checked.
 */
export function cwdIdentity(hostCwd: string, agentCwd: string): { dev: number; ino: number } {
  let fd: number;
  try {
    fd = openSync(hostCwd, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
  } catch {
    throw new CwdOutsideMountError(agentCwd, 'it changed after it was checked (not a folder any more)');
  }
  try {
    if (realpathSync.native(`/proc/self/fd/${fd}`) !== hostCwd)
      throw new CwdOutsideMountError(agentCwd, 'it changed after it was checked (a link was swapped)');
    const st = fstatSync(fd);
    return { dev: st.dev, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}
