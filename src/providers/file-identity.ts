/**
 * Which file a `created_by_run` grant relies on (src/workflows/run-history-state.ts): an
 * fs.write reports the identity of the file it created — device, inode and birth time, read
 * with `fstat` from the descriptor it created the file with — and a later overwrite or
 * delete under `created_by_run` acts on the file at the path only if it has that identity.
 *
 * Why these three: device and inode name the file while it exists; the birth time tells a
 * file apart from a later one that reuses a freed inode number (ext4 and XFS reuse them at
 * once: `rm a.txt; echo x > a.txt` often gets the same inode). The change time is not
 * used: every write, chmod or link changes it. Where Node cannot read a birth time (no
 * `statx(2)`, e.g. an old container seccomp profile), it reports the change time in its
 * place: a file the run created and someone else then changed (chmod, append) then counts
 * as replaced — fail closed; where the filesystem keeps none it reports 0 and device and
 * inode decide alone.
 *
 * Linux has no conditional unlink or rename: the check is an `lstat` of the name in the
 * verified parent folder, immediately followed (synchronously, no await in between) by the
 * `unlink` or `rename` of that same name. A process that can write the folder could still
 * swap the name in the microseconds between the two calls (docs/threat-model.md).
 */
import fs from 'node:fs';
import { FsNotFoundError, FsReplacedError } from './fs-errors';
import { toFsError } from './fs-safe';

/** `<dev>:<ino>:<birth time ns>` of a file (from `fstat`/`lstat` with `bigint: true`). */
export function fileIdentity(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.birthtimeNs}`;
}

/** The identity of the file `where` names, or undefined when there is none. @throws as toFsError. */
function identityAt(where: string, agentPath: string): string | undefined {
  try {
    return fileIdentity(fs.lstatSync(where, { bigint: true }));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw toFsError(err, agentPath);
  }
}

/**
 * Before a rename over `where` (a path through the verified parent): the file there is
 * `expected`, or there is none (the write then creates one). Call it right before the rename.
 * @throws FsReplacedError when another file is there.
 */
export function assertReplaceable(where: string, expected: string, agentPath: string): void {
  const found = identityAt(where, agentPath);
  if (found !== undefined && found !== expected) throw new FsReplacedError(agentPath);
}

/**
 * Unlinks the file `where` names (a path through the verified parent) only if it is
 * `expected`: the `lstat` and the `unlink` follow each other with nothing in between.
 * @throws FsReplacedError when another file (or a folder) is there; FsNotFoundError when none is.
 */
export function unlinkIfSame(where: string, expected: string, agentPath: string): void {
  const found = identityAt(where, agentPath);
  if (found === undefined) throw new FsNotFoundError(agentPath);
  if (found !== expected) throw new FsReplacedError(agentPath);
  try {
    fs.unlinkSync(where); // never follows: the name holds the file just checked
  } catch (err) {
    throw toFsError(err, agentPath);
  }
}
