/**
 * Mounts map the paths an agent (and the policy) sees onto real folders, like a
 * container's bind mounts: `{ '/workspace': '/home/me/project' }` makes
 * `/workspace/data.csv` mean `/home/me/project/data.csv`, and host paths never reach the
 * model. Without mounts, agent paths are host paths.
 *
 * Host folders are resolved with realpath once, when the table is built, so that mapping
 * a real path back (`toAgent`) is a plain prefix test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FsInvalidMountError } from './fs-errors';

/** One mount: an agent-visible mount point and the real host folder behind it. */
export interface Mount {
  readonly agent: string;
  readonly host: string;
}

/** The mount table of a filesystem provider. */
export class MountTable {
  /** Longest mount point first, so nested mounts win over their parents. */
  private readonly byAgent: readonly Mount[];
  /** Longest host folder first. */
  private readonly byHost: readonly Mount[];

  /**
   * @param mounts agent mount point → host folder; `undefined` or `{}` = identity mapping.
   * @throws FsInvalidMountError for a relative or non-canonical mount point, or a host
   *   folder that is missing, relative or not a directory.
   */
  constructor(mounts?: Readonly<Record<string, string>>) {
    const list: Mount[] = [];
    for (const [agent, hostDir] of Object.entries(mounts ?? {})) {
      if (!agent.startsWith('/') || path.posix.normalize(agent) !== agent || (agent.length > 1 && agent.endsWith('/'))) {
        throw new FsInvalidMountError(agent, 'a mount point is an absolute, normalised path without a trailing slash, e.g. /workspace');
      }
      if (!path.isAbsolute(hostDir)) throw new FsInvalidMountError(agent, 'the host folder must be an absolute path');
      let host: string;
      try {
        host = fs.realpathSync.native(hostDir);
      } catch {
        throw new FsInvalidMountError(agent, 'the host folder does not exist');
      }
      if (!fs.statSync(host).isDirectory()) throw new FsInvalidMountError(agent, 'the host folder is not a directory');
      list.push({ agent, host });
    }
    this.byAgent = [...list].sort((a, b) => b.agent.length - a.agent.length);
    this.byHost = [...list].sort((a, b) => b.host.length - a.host.length);
    this.mayAlias = list.some((a) => list.some((b) => a !== b && below(a.host, b.host) !== undefined));
  }

  /** True when a mount's host folder is (or lies inside) another's: a file there may have several agent paths. */
  readonly mayAlias: boolean;

  /**
   * The other agent paths of the host path `hostPath`, which `agentPath` names: one per further
   * mount whose host folder holds it, when that agent path leads back to it (not hidden by a
   * nested mount point). Empty unless {@link mayAlias}. Deny and ask rules match these too.
   *
   * @example
   * // mounts { '/workspace': '/srv/p', '/data': '/srv/p/data' }
   * table.aliasesOf('/srv/p/data/a.csv', '/data/a.csv'); // ['/workspace/data/a.csv']
   */
  aliasesOf(hostPath: string, agentPath: string): string[] {
    const out: string[] = [];
    if (!this.mayAlias) return out;
    for (const m of this.byHost) {
      const rest = below(m.host, hostPath);
      if (rest === undefined) continue;
      const agent = rest === '' ? m.agent : path.posix.join(m.agent, rest);
      if (agent !== agentPath && !out.includes(agent) && this.toHost(agent) === hostPath) out.push(agent);
    }
    return out;
  }

  /** True when there are no mounts and agent paths are host paths. */
  get isIdentity(): boolean {
    return this.byAgent.length === 0;
  }

  /** The mounts, longest mount point first. */
  get mounts(): readonly Mount[] {
    return this.byAgent;
  }

  /** Host path of a canonical agent path; `undefined` if it lies under no mount. */
  toHost(agentPath: string): string | undefined {
    if (this.isIdentity) return agentPath;
    for (const m of this.byAgent) {
      const rest = below(m.agent, agentPath);
      if (rest !== undefined) return rest === '' ? m.host : path.join(m.host, rest);
    }
    return undefined;
  }

  /**
   * Agent path of a real host path; `undefined` if it lies in no mounted folder. When two
   * mounts contain it, the one `via` (the agent path it was reached from) lies under wins.
   */
  toAgent(hostPath: string, via?: string): string | undefined {
    if (this.isIdentity) return hostPath;
    const preferred = via === undefined ? undefined : this.byAgent.find((m) => below(m.agent, via) !== undefined);
    for (const m of preferred === undefined ? this.byHost : [preferred, ...this.byHost]) {
      const rest = below(m.host, hostPath);
      if (rest !== undefined) return rest === '' ? m.agent : path.posix.join(m.agent, rest);
    }
    return undefined;
  }

  /** True if `hostPath` is the folder of a mount (which is never deleted). */
  isMountRoot(hostPath: string): boolean {
    return this.byHost.some((m) => m.host === hostPath);
  }
}

/** The part of `p` below directory `dir` (`''` for `dir` itself), or `undefined` if `p` is not inside it. */
function below(dir: string, p: string): string | undefined {
  if (p === dir) return '';
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return p.startsWith(prefix) ? p.slice(prefix.length) : undefined;
}
