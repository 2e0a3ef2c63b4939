/**
 * Builds the bubblewrap command line that runs one program confined: the mounts at their
 * agent paths (writable unless read-only), system folders read-only, a curated `/etc`,
 * private `/proc`, `/dev` and `/tmp`, nothing else of the host; new user (non-root uid where
 * allowed), PID, IPC, UTS, cgroup and network namespaces; a new session; death with the
 * parent; no capabilities; the program's environment only; and `prlimit` limits on memory,
 * processes and file size.
 */
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FORWARDER_SCRIPT, LAUNCHER_SCRIPT, SANDBOX_NET_DIR } from './forwarder';
import { SandboxConfigError, SandboxUnavailableError } from '../errors';
import { SANDBOX_UID, type SandboxProbe } from './probe';
import { etcArgs, isAtOrBelow, RESERVED_AGENT_PATHS, SYSTEM_FOLDERS, systemFolderArgs } from './system-view';
import {
  CWD_MOVED_EXIT,
  CWD_MOVED_MESSAGE,
  DEFAULT_SANDBOX_LIMITS,
  SANDBOX_CWD_FD,
  SANDBOX_CWD_REF,
  SANDBOX_SECCOMP_FD,
  SANDBOX_STARTED_FD,
  SANDBOX_STARTED_MARK,
  SandboxNetwork,
  type SandboxCommand,
  type SandboxCwdFolder,
  type SandboxLimits,
  type SandboxMount,
  type SandboxSpec,
} from './types';

/** The file descriptor on which bubblewrap reports the sandbox's init pid (`--info-fd`). */
export const SANDBOX_INFO_FD = 3;

/**
 * Checks a mount table for the sandbox: at least one mount, each at an absolute, normalised
 * agent path that neither covers nor lies in a system folder, `/etc`, `/proc`, `/dev`, `/tmp`
 * or one of `readOnlyPaths`; and no host folder (of a mount or `readOnlyPaths`) that holds the
 * host's temp folder, where each run's egress proxy keeps its socket (a program shown it could
 * speak to another run's proxy, whatever its own grant).
 * @throws SandboxConfigError naming the first problem.
 */
export function checkSandboxMounts(mounts: readonly SandboxMount[], readOnlyPaths: readonly string[] = []): void {
  if (mounts.length === 0) {
    throw new SandboxConfigError(
      'no mounts: a sandboxed program needs at least one mount (e.g. { "/workspace": "/srv/agent-ws" }); without one it would run against the host',
    );
  }
  const reserved = [...RESERVED_AGENT_PATHS, ...readOnlyPaths];
  const hostTemp = realOrSelf(tmpdir());
  for (const host of [...mounts.map((m) => m.host), ...readOnlyPaths]) {
    if (path.isAbsolute(host) && isAtOrBelow(hostTemp, realOrSelf(host))) {
      throw new SandboxConfigError(
        `host folder ${host} holds the host's temp folder ${hostTemp}, where the egress proxy of every program run keeps its socket; ` +
          'a program shown it could use the proxy of another run. Mount a folder below it instead (e.g. /tmp/agent-ws)',
      );
    }
  }
  for (const m of mounts) {
    if (!path.posix.isAbsolute(m.agent) || path.posix.normalize(m.agent) !== m.agent || m.agent === '/' || m.agent.endsWith('/')) {
      throw new SandboxConfigError(`mount point ${JSON.stringify(m.agent)} must be an absolute, normalised path other than /, e.g. /workspace`);
    }
    if (!path.isAbsolute(m.host)) throw new SandboxConfigError(`host folder of mount ${m.agent} must be absolute`);
    // Below /tmp is fine: the private /tmp is mounted first, so a mount inside it stays visible
    // (a checkout under /tmp runs its MCP servers from there); /tmp itself stays private.
    const clash = reserved.find((r) => (r === '/tmp' && m.agent !== '/tmp' ? false : isAtOrBelow(m.agent, r)) || isAtOrBelow(r, m.agent));
    if (clash !== undefined)
      throw new SandboxConfigError(`mount point ${m.agent} overlaps ${clash}, which the sandbox shows from the system; choose another, e.g. /workspace`);
  }
}

/** The real path of `p`, or `p` itself when it cannot be resolved (e.g. it does not exist yet). */
function realOrSelf(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}

function limitArgs(limits: SandboxLimits | undefined): string[] {
  const l = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  for (const [name, value] of Object.entries(l)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 1) {
      throw new SandboxConfigError(`limits.${name} must be a positive number (or Infinity for no limit), got ${String(value)}`);
    }
  }
  const v = (n: number): string => (Number.isFinite(n) ? String(Math.floor(n)) : 'unlimited');
  return [`--as=${v(l.memoryBytes)}`, `--nproc=${v(l.processes)}`, `--fsize=${v(l.fileSizeBytes)}`];
}

/** bubblewrap's size of a private tmpfs (SandboxLimits.tmpBytes), where it can size one. */
function tmpSizeArgs(limits: SandboxLimits | undefined, probe: SandboxProbe): string[] {
  const bytes = limits?.tmpBytes ?? DEFAULT_SANDBOX_LIMITS.tmpBytes;
  return probe.tmpfsSize === true && Number.isFinite(bytes) ? ['--size', String(Math.floor(bytes))] : [];
}

/**
 * `/dev` and the two folders a program may write that live in memory: `/dev/shm` (POSIX shared
 * memory, semaphores) and `/tmp`, each a tmpfs of at most `limits.tmpBytes`. `/dev` itself is
 * remounted read-only (its device nodes and `pts` are mounts of their own and stay usable), and
 * the sandbox's root is remounted read-only once every mount point in it exists (the caller's
 * last mount): bubblewrap makes both as unsized tmpfs, which no rlimit counts, so a program that
 * met the bounded `/tmp` wrote its gigabytes to `/dev/shm`, `/`, or `/run` instead, into the
 * host's memory (red team 15b).
 */
function memoryFolderArgs(limits: SandboxLimits | undefined, probe: SandboxProbe): string[] {
  const size = tmpSizeArgs(limits, probe);
  return ['--dev', '/dev', ...size, '--tmpfs', '/dev/shm', '--remount-ro', '/dev', ...size, '--tmpfs', '/tmp'];
}

/**
 * The binds and launcher of `network: 'proxy'`: the proxy's folder read-only at
 * {@link SANDBOX_NET_DIR}, the worker's `node` (read-only at its own path when it lies
 * outside the system folders), and `sh -c LAUNCHER FORWARDER env node` before the program.
 */
function networkBridge(spec: SandboxSpec, probe: SandboxProbe): { binds: string[]; launcher: string[] } {
  if (spec.proxyDir === undefined || !path.isAbsolute(spec.proxyDir)) {
    throw new SandboxConfigError("network 'proxy' needs proxyDir, the absolute host folder of the egress proxy's socket");
  }
  if (probe.sh === undefined || probe.env === undefined) throw new SandboxUnavailableError('sh and env are needed to start the network forwarder');
  const node = realpathSync.native(process.execPath);
  const binds = ['--ro-bind', spec.proxyDir, SANDBOX_NET_DIR];
  if (!SYSTEM_FOLDERS.some((s) => isAtOrBelow(node, s))) binds.push('--ro-bind', node, node);
  return { binds, launcher: [probe.sh, '-c', LAUNCHER_SCRIPT, FORWARDER_SCRIPT, probe.env, node] };
}

/**
 * The sandbox's own `/proc` is mounted read-only (`--remount-ro /proc`): nothing in it can be
 * written — kernel settings (`/proc/sys`), the SysRq trigger, SCSI and ACPI controls, and the
 * program's own `/proc/self/*` alike. A fresh `/proc` checks only the writer's host uid for
 * many of these, not capabilities, and where bubblewrap runs as root (a root worker without
 * `hardening.uid`) the sandbox's uid *is* host root: a write of `kernel.core_pattern` made the
 * host kernel run a workspace script as root, outside every namespace (red team, 2026-12-02;
 * test/providers/sandbox.test.ts). Binding the host's `/proc/sys` read-only over it instead
 * was not enough: such a bind is a copy of a host mount and receives mounts the host makes
 * under it later (a systemd `binfmt_misc` automount), read-write (review, same day).
 */
function procReadOnlyArgs(): string[] {
  return ['--remount-ro', '/proc'];
}

/**
 * The command that runs `spec` inside the sandbox.
 * @param probe the result of `probeSandbox` (bubblewrap, prlimit, user namespaces).
 * @param hostIds run bubblewrap itself as this host uid/gid (needs a root worker and user namespaces).
 * @throws SandboxUnavailableError when the probe found no working bubblewrap or no prlimit.
 * @throws SandboxConfigError for no mounts, a mount over a system folder, a relative command or a cwd outside the mounts.
 * @example
 * const cmd = buildSandboxCommand({ command: '/usr/bin/git', args: ['status'], cwd: '/workspace',
 *   env: { PATH: '/usr/bin:/bin' }, mounts: [{ agent: '/workspace', host: '/srv/ws' }] }, probeSandbox());
 * const child = spawn(cmd.file, [...cmd.args], { ...cmd.spawnOptions, stdio: sandboxStdio(cmd.spawnOptions.stdio, undefined, false) });
 * feedSeccomp(child.stdio);
 */
export function buildSandboxCommand(spec: SandboxSpec, probe: SandboxProbe, hostIds: { uid?: number; gid?: number } = {}): SandboxCommand {
  if (probe.bwrap === undefined) throw new SandboxUnavailableError(probe.problem ?? 'bwrap not found');
  if (probe.prlimit === undefined) throw new SandboxUnavailableError('prlimit (util-linux) not found; it applies the memory, process and file-size limits');
  const network = spec.network ?? SandboxNetwork.None;
  if (network !== SandboxNetwork.None && network !== SandboxNetwork.Proxy) {
    throw new SandboxConfigError(`network ${JSON.stringify(network)} is not supported; use 'none' or 'proxy'`);
  }
  const bridge = network === SandboxNetwork.Proxy ? networkBridge(spec, probe) : undefined;
  const readOnly = (spec.readOnlyPaths ?? []).filter((p) => !SYSTEM_FOLDERS.some((s) => isAtOrBelow(p, s)));
  checkSandboxMounts(spec.mounts, readOnly);
  if (!path.posix.isAbsolute(spec.command)) throw new SandboxConfigError(`command ${JSON.stringify(spec.command)} must be an absolute path`);
  if (!spec.mounts.some((m) => isAtOrBelow(spec.cwd, m.agent)) || path.posix.normalize(spec.cwd) !== spec.cwd) {
    throw new SandboxConfigError(`working directory ${JSON.stringify(spec.cwd)} is not a normalised path inside a mount`);
  }

  const args: string[] = [];
  if (probe.userNamespace) {
    const inside = String(hostIds.uid ?? SANDBOX_UID);
    args.push('--unshare-user', '--uid', inside, '--gid', String(hostIds.gid ?? hostIds.uid ?? SANDBOX_UID));
    if (probe.disableUserns !== false) args.push('--disable-userns');
  }
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net', '--hostname', 'sandbox');
  args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv');
  args.push('--seccomp', String(SANDBOX_SECCOMP_FD)); // no kernel keyrings (seccomp.ts); the launcher writes the filter there
  for (const [name, value] of Object.entries(spec.env)) args.push('--setenv', name, value);
  const prlimitArgs = limitArgs(spec.limits); // checks every limit, /tmp's size included
  args.push(...systemFolderArgs(), ...etcArgs(), '--proc', '/proc', ...procReadOnlyArgs(), ...memoryFolderArgs(spec.limits, probe));
  for (const dir of readOnly) args.push('--ro-bind', dir, dir);
  for (const m of [...spec.mounts].sort((a, b) => a.agent.length - b.agent.length)) {
    args.push(m.readOnly === true ? '--ro-bind' : '--bind', m.host, m.agent);
  }
  if (bridge !== undefined) args.push(...bridge.binds);
  const cwdFolder = spec.cwdIdentity !== undefined && spec.cwdDescriptor === true && probe.bindFd === true ? hostFolder(spec, spec.cwdIdentity) : undefined;
  // The checked directory itself, from the launcher's descriptor, at a path of the sandbox's own root
  // (the host's view of it: see hostFolder for when that would show more than the sandbox does).
  if (cwdFolder !== undefined) args.push('--ro-bind-fd', String(SANDBOX_CWD_FD), SANDBOX_CWD_REF);
  args.push('--remount-ro', '/'); // last, once every mount point in it exists (memoryFolderArgs)
  args.push('--chdir', spec.cwd, '--info-fd', String(SANDBOX_INFO_FD), '--');
  // The forwarder starts before prlimit: the program's limits apply to the program only.
  if (bridge !== undefined) args.push(...bridge.launcher);
  args.push(probe.prlimit, ...prlimitArgs, '--');
  // bubblewrap sets PWD; the program's environment is exactly `spec.env`.
  const keepPwd = 'PWD' in spec.env;
  const startedFd = spec.cwdIdentity !== undefined && spec.reportStart === true;
  if (spec.cwdIdentity !== undefined) args.push(...cwdCheck(spec.cwdIdentity, { byDescriptor: cwdFolder !== undefined, keepPwd, startedFd }, probe));
  else if (probe.env !== undefined && !keepPwd && !spec.command.includes('=')) args.push(probe.env, '-u', 'PWD', '--');
  args.push(spec.command, ...spec.args);
  return {
    file: probe.bwrap,
    args,
    spawnOptions: {
      env: {},
      detached: true,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      ...(hostIds.uid !== undefined ? { uid: hostIds.uid } : {}),
      ...(hostIds.gid !== undefined ? { gid: hostIds.gid } : {}),
    },
    ...(cwdFolder !== undefined ? { cwdFolder } : {}),
    ...(startedFd ? { startedFd: true as const } : {}),
  };
}

/**
 * Act on what was checked: the working directory bubblewrap entered by name must be the
 * checked one, or nothing runs (exit {@link CWD_MOVED_EXIT}). The check runs after the
 * `chdir`, on the directory really entered: a folder on the way swapped between any check
 * and the `chdir` (even after bubblewrap made its mounts: a mount moves with a renamed
 * folder) is caught. With the launcher's descriptor it compares `.` with
 * {@link SANDBOX_CWD_REF} (the shell's `-ef`, no process); without, with `stat` (one more
 * fork and exec per run). With `startedFd`, a check that passed writes
 * {@link SANDBOX_STARTED_MARK} on {@link SANDBOX_STARTED_FD} and closes it before the program
 * starts: the launcher tells a refusal from a program that prints the same line by the mark.
 */
function cwdCheck(identity: { dev: number; ino: number }, how: { byDescriptor: boolean; keepPwd: boolean; startedFd: boolean }, probe: SandboxProbe): string[] {
  const { byDescriptor, keepPwd, startedFd } = how;
  if (probe.sh === undefined || (!byDescriptor && probe.stat === undefined)) {
    throw new SandboxUnavailableError(`${byDescriptor ? 'sh is' : 'sh and stat are'} needed to check the working directory inside the sandbox`);
  }
  const moved = `{ echo '${CWD_MOVED_MESSAGE}' >&2; exit ${CWD_MOVED_EXIT}; }`;
  const started = startedFd ? `echo ${SANDBOX_STARTED_MARK} >&${SANDBOX_STARTED_FD}; exec ${SANDBOX_STARTED_FD}>&-; ` : '';
  const run = `${keepPwd ? '' : 'unset PWD; '}${started}exec "$@"`;
  if (byDescriptor) return [probe.sh, '-c', `[ . -ef ${SANDBOX_CWD_REF} ] || ${moved}; ${run}`, 'sh'];
  return [probe.sh, '-c', `[ "$(${probe.stat as string} -c %d:%i .)" = "$0" ] || ${moved}; ${run}`, `${identity.dev}:${identity.ino}`];
}

/**
 * The host folder the sandbox shows at `spec.cwd` (through the innermost mount holding it), with
 * the checked identity — or undefined when another mount lies below `spec.cwd`. The view bound
 * from the descriptor is the host's view of the folder; a nested mount of the sandbox below the
 * working directory hides what the host folder holds at that place, and that view would show it
 * again (the `stat` check is used then).
 */
function hostFolder(spec: SandboxSpec, identity: { dev: number; ino: number }): SandboxCwdFolder | undefined {
  if (spec.mounts.some((m) => m.agent !== spec.cwd && isAtOrBelow(m.agent, spec.cwd))) return undefined;
  const mount = [...spec.mounts].sort((a, b) => b.agent.length - a.agent.length).find((m) => isAtOrBelow(spec.cwd, m.agent)) as SandboxMount;
  return { host: path.join(mount.host, path.posix.relative(mount.agent, spec.cwd)), dev: identity.dev, ino: identity.ino };
}
