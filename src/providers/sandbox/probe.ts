/**
 * Start-up checks of the sandbox: is bubblewrap there, does it start a program, and may it
 * give the program a non-root uid in a user namespace? Each answer is cached per
 * bubblewrap path and worker uid, so building many providers costs one probe.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { childProcess } from '../child-process-lazy';
import { systemFolderArgs } from './system-view';

/** The uid (and gid) a program gets inside the sandbox when user namespaces allow it. */
export const SANDBOX_UID = 65534;

/** What the probe found. */
export interface SandboxProbe {
  /** bubblewrap's absolute path, when found and working. */
  readonly bwrap?: string;
  /** `prlimit` (util-linux) for the limits, when found; it must sit in a system folder. */
  readonly prlimit?: string;
  /** `env` (coreutils), used to drop the `PWD` bubblewrap sets, when found. */
  readonly env?: string;
  /** `sh` and `stat` (coreutils), used to check the working directory's identity inside, when found. */
  readonly sh?: string;
  readonly stat?: string;
  /** True when a user namespace gives the program a non-root uid ({@link SANDBOX_UID}). */
  readonly userNamespace: boolean;
  /** True when bubblewrap can also forbid nested user namespaces (`--disable-userns`, bubblewrap ≥ 0.8). */
  readonly disableUserns?: boolean;
  /** True when bubblewrap binds an open directory (`--ro-bind-fd`, bubblewrap ≥ 0.10 or a backport such as Debian 12's 0.8.0). */
  readonly bindFd?: boolean;
  /** True when bubblewrap sizes a tmpfs (`--size`, bubblewrap ≥ 0.8): the private `/tmp` is then bounded (SandboxLimits.tmpBytes). */
  readonly tmpfsSize?: boolean;
  /** Why the sandbox is unusable (bubblewrap missing or failing); absent when usable. */
  readonly problem?: string;
}

/** Where bubblewrap and prlimit are looked for (never the worker's PATH, never a workspace). */
export const SANDBOX_TOOL_DIRS: readonly string[] = ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin'];

const cache = new Map<string, SandboxProbe>();

function findTool(name: string): string | undefined {
  for (const dir of SANDBOX_TOOL_DIRS) {
    const file = path.join(dir, name);
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function tryRun(bwrap: string, extra: readonly string[], ids: { uid?: number; gid?: number }): { ok: boolean; detail: string } {
  const args = [
    ...extra,
    '--unshare-pid',
    '--unshare-net',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    ...systemFolderArgs(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--',
    '/bin/sh',
    '-c',
    'exit 0',
  ];
  const r = childProcess().spawnSync(bwrap, args, { env: {}, timeout: 10_000, encoding: 'utf8', ...ids });
  const detail = (r.error?.message ?? r.stderr ?? '').trim().split('\n')[0] ?? '';
  return { ok: r.status === 0, detail: detail === '' ? `exit ${String(r.status)}` : detail };
}

/** Which options bubblewrap lists in its help: `--ro-bind-fd` (it checks the mount against the descriptor) and `--size` (of a tmpfs). */
function helpOptions(bwrap: string, ids: { uid?: number; gid?: number }): { bindFd: boolean; tmpfsSize: boolean } {
  const r = childProcess().spawnSync(bwrap, ['--help'], { env: {}, timeout: 10_000, encoding: 'utf8', ...ids });
  const ok = r.status === 0;
  return { bindFd: ok && /^\s*--ro-bind-fd FD DEST\b/m.test(r.stdout), tmpfsSize: ok && /^\s*--size BYTES\b/m.test(r.stdout) };
}

/**
 * Probes the sandbox once per (bubblewrap path, uid) and caches the answer.
 * @param bwrapPath an explicit bubblewrap path, or undefined to look in {@link SANDBOX_TOOL_DIRS}.
 * @param ids the host uid/gid bubblewrap will run as (ProcessHardening), default the worker's.
 * @example
 * const probe = probeSandbox();
 * if (probe.problem !== undefined) console.warn(probe.problem);
 */
export function probeSandbox(bwrapPath?: string, ids: { uid?: number; gid?: number } = {}): SandboxProbe {
  const key = `${bwrapPath ?? ''}\0${ids.uid ?? ''}\0${ids.gid ?? ''}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const probe = runProbe(bwrapPath, ids);
  cache.set(key, probe);
  return probe;
}

function runProbe(bwrapPath: string | undefined, ids: { uid?: number; gid?: number }): SandboxProbe {
  const prlimit = findTool('prlimit');
  const tools: Record<string, string> = {};
  for (const name of ['env', 'sh', 'stat']) {
    const found = findTool(name);
    if (found !== undefined) tools[name] = found;
  }
  const withPrlimit = { ...(prlimit === undefined ? {} : { prlimit }), ...tools };
  if (process.platform !== 'linux') return { userNamespace: false, problem: `bubblewrap needs Linux, this is ${process.platform}`, ...withPrlimit };
  const bwrap = bwrapPath ?? findTool('bwrap');
  if (bwrap === undefined) return { userNamespace: false, problem: `bwrap not found in ${SANDBOX_TOOL_DIRS.join(':')}`, ...withPrlimit };
  try {
    accessSync(bwrap, fsConstants.X_OK);
  } catch {
    return { userNamespace: false, problem: `${bwrap} is not an executable`, ...withPrlimit };
  }
  const nonRoot = (ids.uid ?? process.getuid?.()) !== 0;
  const usernsArgs = ['--unshare-user', '--uid', String(ids.uid ?? SANDBOX_UID), '--gid', String(ids.gid ?? SANDBOX_UID)];
  const working = (): { bwrap: string; bindFd: boolean; tmpfsSize: boolean } => ({ bwrap, ...helpOptions(bwrap, ids) });
  if (tryRun(bwrap, [...usernsArgs, '--disable-userns'], ids).ok) return { ...working(), userNamespace: true, disableUserns: true, ...withPrlimit };
  const userns = tryRun(bwrap, usernsArgs, ids);
  if (userns.ok) return { ...working(), userNamespace: true, disableUserns: false, ...withPrlimit };
  // Without a user namespace bubblewrap works only for root (caps dropped, uid stays 0).
  if (nonRoot) return { userNamespace: false, problem: `bwrap cannot create a user namespace here (${userns.detail})`, ...withPrlimit };
  const plain = tryRun(bwrap, [], ids);
  if (plain.ok) return { ...working(), userNamespace: false, ...withPrlimit };
  return { userNamespace: false, problem: `bwrap does not start a program here (${plain.detail})`, ...withPrlimit };
}
