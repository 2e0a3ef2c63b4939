/**
 * The worker's own state and configuration must lie outside every folder it mounts for the
 * agent: the agent's fs tools (and its programs, which see the mounts) could otherwise read
 * the codec keys, rewrite its audit log or the records its rollbacks trust, delete the freeze
 * file that stops it, or rewrite the ceiling policy, tools or modules the worker loads next.
 */
import path from 'node:path';
import { realpathLongestExisting } from '../providers/fs-safe';
import { StateInWorkspaceError } from './errors';

/** One file or folder of the worker's own. */
export interface WorkerStatePath {
  /** What it is, for the message (e.g. `the audit log`). */
  readonly what: string;
  /** Its path (need not exist yet: judged by its longest existing prefix's real path). */
  readonly path: string;
  /** The option that moves it, for the message (e.g. `--log`). */
  readonly option: string;
  /** A folder whose whole content is the worker's (the snapshots): a mount inside it is refused too. */
  readonly folder?: boolean;
}

/**
 * @throws StateInWorkspaceError for the first of `paths` that lies inside a mount's host folder
 *   (by real paths, so a link outside that leads in counts), or — for a `folder` — holds one.
 */
export function refuseStateInMounts(paths: readonly WorkerStatePath[], mounts: Readonly<Record<string, string>>): void {
  const roots: { agent: string; real: string }[] = [];
  for (const [agent, hostDir] of Object.entries(mounts)) {
    try {
      roots.push({ agent, real: realpathLongestExisting(path.resolve(hostDir)) });
    } catch {
      // an unreadable mount folder: the filesystem provider reports it
    }
  }
  for (const entry of paths) {
    const real = realpathLongestExisting(path.resolve(entry.path));
    for (const root of roots) {
      if (within(real, root.real) || (entry.folder === true && within(root.real, real))) {
        throw new StateInWorkspaceError(entry.what, entry.path, entry.option, root.agent);
      }
    }
  }
}

/** True if `inner` is `outer` or below it (a name that starts with `..`, like `..x`, is below it too). */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
