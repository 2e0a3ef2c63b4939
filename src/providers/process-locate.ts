/**
 * Use-time lookups for proc.exec: the program on the fixed PATH (never in a workspace) and the
 * working directory inside a mount (real path checked, so a symlink cannot lead out).
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CwdOutsideMountError, ProgramNotFoundError, ProgramOutsidePathError } from './errors';

/** True if `child` is `parent` or lies below it (both absolute, normalized); a name like `..x` is below it. */
export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) return false;
    await fsp.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function realOrSelf(p: string): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Finds the executable for a canonical program on the fixed PATH.
 * An absolute program must sit directly in one of the PATH directories. Neither the path nor
 * its real path (after symlinks) may lie inside a mounted host directory.
 * @returns the absolute path to execute (the PATH entry, not the symlink target, so
 * multi-call binaries keep their name).
 * @throws ProgramOutsidePathError, ProgramNotFoundError.
 */
export async function locateProgram(program: string, fixedPath: readonly string[], mountRoots: readonly string[]): Promise<string> {
  let candidate: string | undefined;
  if (program.startsWith('/')) {
    if (!fixedPath.includes(path.dirname(program))) {
      throw new ProgramOutsidePathError(program, `not directly in a fixed PATH directory (${fixedPath.join(':')})`);
    }
    if (await isExecutableFile(program)) candidate = program;
  } else {
    for (const dir of fixedPath) {
      const file = path.join(dir, program);
      if (await isExecutableFile(file)) {
        candidate = file;
        break;
      }
    }
  }
  if (candidate === undefined) throw new ProgramNotFoundError(program, fixedPath);
  const real = await realOrSelf(candidate);
  for (const root of mountRoots) {
    const realRoot = await realOrSelf(root);
    if (isWithin(candidate, realRoot) || isWithin(real, realRoot) || isWithin(candidate, root) || isWithin(real, root)) {
      throw new ProgramOutsidePathError(program, 'resolves into a mounted workspace; programs run only from the fixed PATH');
    }
  }
  return candidate;
}

/**
 * Maps an agent working directory to a host directory inside its mount.
 * @param agentCwd absolute agent path (e.g. `/workspace/repo`).
 * @param mounts agent path → host path.
 * @throws CwdOutsideMountError when no mount contains it, it is not a directory, or its real
 * path escapes the mount's real root.
 */
export async function locateCwd(agentCwd: string, mounts: Readonly<Record<string, string>>): Promise<string> {
  if (!agentCwd.startsWith('/') || agentCwd.includes('\0')) throw new CwdOutsideMountError(agentCwd, 'must be an absolute agent path');
  const normal = path.posix.normalize(agentCwd);
  let best: [string, string] | undefined;
  for (const [agentRoot, hostRoot] of Object.entries(mounts)) {
    const root = path.posix.normalize(agentRoot);
    if (isWithin(normal, root) && (best === undefined || root.length > best[0].length)) best = [root, hostRoot];
  }
  if (best === undefined) throw new CwdOutsideMountError(agentCwd, 'not inside a mounted directory');
  const [agentRoot, hostRoot] = best;
  const host = path.join(hostRoot, path.posix.relative(agentRoot, normal));
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([fsp.realpath(host), fsp.realpath(hostRoot)]);
  } catch {
    throw new CwdOutsideMountError(agentCwd, 'does not exist');
  }
  if (!isWithin(real, realRoot)) throw new CwdOutsideMountError(agentCwd, 'its real path leaves the mount (symlink)');
  if (!(await fsp.stat(real)).isDirectory()) throw new CwdOutsideMountError(agentCwd, 'not a directory');
  return real;
}
