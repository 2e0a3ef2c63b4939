/**
 * Recursive delete through descriptors (`fs.delete` with `recursive`): every folder of the
 * tree is opened with `O_DIRECTORY | O_NOFOLLOW` through the descriptor of the folder
 * above it and read through its own descriptor; entries are unlinked or removed by name
 * relative to that verified folder. A link is never followed — it is unlinked like a file —
 * and a folder swapped for a link mid-walk is unlinked as the link it has become.
 * (`fs.rm` with `recursive` walks by path and would follow such a swap: never use it here.)
 */
import fs from 'node:fs';
import { FsProtectedError, FsUnsafeFileError } from './fs-errors';
import { type CompiledGlob, matchGlob } from '../policy/index';
import { type Dir } from './fs-handle';
import { toFsError } from './fs-safe';

/** Times an entry that keeps changing kind, or a folder that keeps refilling, is retried. */
const MAX_ATTEMPTS = 8;
/** unlink(2) of a folder fails with EISDIR on Linux, EPERM elsewhere (macOS, BSD). */
const UNLINK_DIR_IS_EPERM = process.platform !== 'linux';

/**
 * Agent-path globs that no entry of a tree may match, compiled once as the policy compiles its
 * deny rules (dot-matching): a recursive delete is refused before anything is removed when one
 * does, and stops at an entry that appears meanwhile and matches.
 */
export interface TreeGuard {
  readonly protectedBelow: readonly CompiledGlob[];
  /** The target's other agent paths (overlapping mounts): an entry is also matched under each. */
  readonly aliases?: readonly string[];
}

/** @throws FsProtectedError when the entry at the agent path `entry` (or its name under an alias of `agentPath`) matches a protected glob. */
function checkEntry(guard: TreeGuard | undefined, agentPath: string, entry: string): void {
  if (guard === undefined) return;
  const glob = guard.protectedBelow.find((g) => matchGlob(g, entry));
  if (glob !== undefined) throw new FsProtectedError(agentPath, entry, glob.pattern);
  for (const alias of guard.aliases ?? []) {
    const named = alias + entry.slice(agentPath.length);
    const other = guard.protectedBelow.find((g) => matchGlob(g, named));
    if (other !== undefined) throw new FsProtectedError(agentPath, entry, other.pattern);
  }
}

/**
 * Folders a recursive delete goes down below its target, at most: each level holds a
 * descriptor while the one below it is removed, and a chain of 21,000 folders (one `mkdir`
 * and `cd` loop of a program) kept a delete going past its deadline in the background,
 * holding one descriptor per level (red team 14). A deeper tree is refused (`Fs.UnsafeFile`).
 */
const MAX_TREE_DEPTH = 256;

/** @throws FsUnsafeFileError (marked as from below) when `here` lies more than MAX_TREE_DEPTH folders below `agentPath`. */
function checkDepth(agentPath: string, here: string): void {
  let depth = 0;
  for (let i = agentPath.length; i < here.length; i++) if (here.charCodeAt(i) === 47) depth++;
  if (depth > MAX_TREE_DEPTH) throw below(new FsUnsafeFileError(agentPath, `it is more than ${MAX_TREE_DEPTH} folders deep`));
}

/** Checks every entry below the open folder `dir` (at the agent path `here`) against `guard`, removing nothing. */
async function scanFolder(dir: Dir, here: string, agentPath: string, guard: TreeGuard): Promise<void> {
  checkDepth(agentPath, here);
  const entries = await fs.promises.readdir(dir.self(), { withFileTypes: true }).catch((err: unknown) => {
    throw toFsError(err, agentPath);
  });
  for (const entry of entries) {
    const path = `${here}/${entry.name}`;
    checkEntry(guard, agentPath, path);
    if (!entry.isDirectory()) continue;
    const child = await dir.child(entry.name, agentPath, { isTarget: true });
    try {
      await scanFolder(child, path, agentPath, guard);
    } finally {
      await child.close();
    }
  }
}

/**
 * Removes the folder `name` inside `parent` and everything below it. With `guard`, the tree is
 * checked first (agent paths from `agentPath`, the folder's own) and nothing is removed if an
 * entry is protected.
 * @throws FsUnsafeFileError when `name` is (or turns into) a symlink or keeps changing.
 * @throws FsProtectedError when an entry below is protected by `guard`.
 */
export async function removeTree(parent: Dir, name: string, agentPath: string, guard?: TreeGuard, here = agentPath): Promise<void> {
  checkDepth(agentPath, here);
  const dir = await parent.child(name, agentPath, { isTarget: true });
  try {
    if (guard !== undefined && here === agentPath) await scanFolder(dir, here, agentPath, guard);
    await emptyFolder(dir, agentPath, guard, here);
  } catch (err) {
    throw below(err);
  } finally {
    await dir.close();
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.promises.rmdir(parent.at(name)); // never follows: a link there now gives ENOTDIR
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'ENOTDIR') throw new FsUnsafeFileError(agentPath, 'a folder in it was swapped for a symbolic link while it was deleted');
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= MAX_ATTEMPTS) throw toFsError(err, agentPath);
    }
    // Something was added meanwhile: empty it again, through a fresh verified descriptor.
    const again = await parent.child(name, agentPath, { isTarget: true });
    try {
      await emptyFolder(again, agentPath, guard, here);
    } catch (err) {
      throw below(err);
    } finally {
      await again.close();
    }
  }
}

/**
 * Failures met inside a folder being removed (an entry below it that could not be removed):
 * never a sign that the folder itself was swapped, so {@link removeEntry} passes them on
 * instead of trying the folder again — retried at every level, one entry that cannot be
 * removed at the bottom of a tree cost eight times more work per folder above it (a tree nine
 * deep: days, past the submit's deadline; red team 14).
 */
const FROM_BELOW = new WeakSet<object>();

function below(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) FROM_BELOW.add(err);
  return err;
}

/** Removes every entry of the open folder `dir`. */
async function emptyFolder(dir: Dir, agentPath: string, guard: TreeGuard | undefined, here: string): Promise<void> {
  for (let round = 0; ; round++) {
    const names = await fs.promises.readdir(dir.self()).catch((err: unknown) => {
      throw toFsError(err, agentPath);
    });
    if (names.length === 0) return;
    if (round >= MAX_ATTEMPTS) throw new FsUnsafeFileError(agentPath, 'it kept changing while it was deleted');
    for (const name of names) await removeEntry(dir, name, agentPath, guard, `${here}/${name}`);
  }
}

/** Removes one entry of `dir`: unlinked if it is anything but a folder, else removed as a tree. */
async function removeEntry(dir: Dir, name: string, agentPath: string, guard: TreeGuard | undefined, entry: string): Promise<void> {
  checkEntry(guard, agentPath, entry); // one that appeared after the scan
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      await fs.promises.unlink(dir.at(name)); // never follows: a link is removed, not its target
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EISDIR' && !(code === 'EPERM' && UNLINK_DIR_IS_EPERM)) throw toFsError(err, agentPath);
    }
    try {
      await removeTree(dir, name, agentPath, guard, entry);
      return;
    } catch (err) {
      if (typeof err === 'object' && err !== null && FROM_BELOW.has(err)) throw err;
      const code = (err as { code?: unknown }).code;
      if (code === 'Fs.NotFound') return;
      // It stopped being a folder between the two calls (a swap): unlink it as what it is now.
      if (code !== 'Fs.UnsafeFile' && code !== 'Fs.WrongType') throw err;
    }
  }
  throw new FsUnsafeFileError(agentPath, 'an entry in it kept changing while it was deleted');
}
