/**
 * Recursive delete through descriptors (`fs.delete` with `recursive`): every folder of the
 * tree is opened with `O_DIRECTORY | O_NOFOLLOW` through the descriptor of the folder
 * above it and read through its own descriptor; entries are unlinked or removed by name
 * relative to that verified folder. A link is never followed — it is unlinked like a file —
 * and a folder swapped for a link mid-walk is unlinked as the link it has become.
 * (`fs.rm` with `recursive` walks by path and would follow such a swap: never use it here.)
 */
import fs from 'node:fs';
import { FsUnsafeFileError } from './fs-errors';
import { type Dir } from './fs-handle';
import { toFsError } from './fs-safe';

/** Times an entry that keeps changing kind, or a folder that keeps refilling, is retried. */
const MAX_ATTEMPTS = 8;
/** unlink(2) of a folder fails with EISDIR on Linux, EPERM elsewhere (macOS, BSD). */
const UNLINK_DIR_IS_EPERM = process.platform !== 'linux';

/**
 * Removes the folder `name` inside `parent` and everything below it.
 * @throws FsUnsafeFileError when `name` is (or turns into) a symlink or keeps changing.
 */
export async function removeTree(parent: Dir, name: string, agentPath: string): Promise<void> {
  const dir = await parent.child(name, agentPath, { isTarget: true });
  try {
    await emptyFolder(dir, agentPath);
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
      await emptyFolder(again, agentPath);
    } finally {
      await again.close();
    }
  }
}

/** Removes every entry of the open folder `dir`. */
async function emptyFolder(dir: Dir, agentPath: string): Promise<void> {
  for (let round = 0; ; round++) {
    const names = await fs.promises.readdir(dir.self()).catch((err: unknown) => {
      throw toFsError(err, agentPath);
    });
    if (names.length === 0) return;
    if (round >= MAX_ATTEMPTS) throw new FsUnsafeFileError(agentPath, 'it kept changing while it was deleted');
    for (const name of names) await removeEntry(dir, name, agentPath);
  }
}

/** Removes one entry of `dir`: unlinked if it is anything but a folder, else removed as a tree. */
async function removeEntry(dir: Dir, name: string, agentPath: string): Promise<void> {
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
      await removeTree(dir, name, agentPath);
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'Fs.NotFound') return;
      // It stopped being a folder between the two calls (a swap): unlink it as what it is now.
      if (code !== 'Fs.UnsafeFile' && code !== 'Fs.WrongType') throw err;
    }
  }
  throw new FsUnsafeFileError(agentPath, 'an entry in it kept changing while it was deleted');
}
