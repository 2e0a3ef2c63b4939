/**
 * The descriptor walker every filesystem action goes through (the provider and the
 * reversible layer alike): the target's folder is opened by its judged real path and
 * verified by the path the kernel reports for the descriptor (the short way, below), or,
 * where that cannot be verified, reached from its mount root's descriptor one component at
 * a time, each folder opened with `O_DIRECTORY | O_NOFOLLOW` through the descriptor of the
 * folder above it; the final name is acted on relative to the verified parent — on Linux as
 * `/proc/self/fd/N/name`, which the kernel resolves through descriptor N, not by re-walking
 * a path. A folder swapped for a symlink at any moment is
 * refused (`Fs.UnsafeFile`), never followed.
 *
 * Node 20 has no `openat`/`O_PATH`, so the rules for a name built with {@link Dir.at}:
 * open children with `O_NOFOLLOW` and use the descriptor's own calls (`fstat`, `fchmod`);
 * `lstat`, `unlink`, `rename`, `rmdir`, `mkdir` do not follow a final symlink, but
 * `stat`, `chmod`, `readdir`/`opendir` of such a name do (never use them there); and a
 * closed descriptor's number is reused at once, so a `Dir` stays open until every name
 * built from it has been used.
 *
 * Residual: a descriptor follows its folder if that folder is moved out of the mount while
 * it is open (only a process that can write outside the workspace can do that).
 *
 * The short way ({@link Dir.openVerifiedSync}, Linux only, and only for a worker that cannot
 * look into other users' mount namespaces: {@link SHORT_WAY}): the folder is opened by its
 * judged real path in one `open(2)` (`O_DIRECTORY | O_NOFOLLOW`) and kept only if the
 * kernel reports exactly that path for the descriptor (`readlink` of `/proc/self/fd/N`,
 * compared exactly); otherwise the walk above decides. Why this is as strong:
 * - What the walk guarantees is that the folder it returns was reached from the mount root
 *   through real folders only; where that folder is afterwards is the residual above (it
 *   is not even checked that it is still there when the walk ends: a folder on the way
 *   renamed during the walk leaves the walk in it, wherever it went).
 * - The kernel's path of a descriptor (`d_path`) is built from the folder's actual chain of
 *   parent entries, up to the process's root, at the moment of the `readlink`: it names no
 *   symlink (a symlink is never a folder's parent) and a moved folder reports its new
 *   place. So a verified descriptor is a folder that, after it was opened, sat at exactly
 *   the judged real path — the place a walk of that path through real folders reaches at
 *   that moment. A symlink on the way when the open ran leads to another folder, whose
 *   path differs (refused), unless that folder has meanwhile been moved to the judged path
 *   itself — then it is the folder at the judged path, the same one a walk would find.
 *   A deleted folder reports `… (deleted)`, one outside the process's root
 *   `(unreachable)…`, a path too long for the check an error: all differ, and the walk
 *   decides (it refuses a symlink with `Fs.UnsafeFile`, as before).
 * - `O_DIRECTORY` means the open itself reaches nothing but a folder (never a device or a
 *   FIFO, whose open could have effects), even through a swapped link, and opening a folder
 *   by path only needs search permission on the folders above it. (What it can do through
 *   a swapped link is open an outside folder before the check refuses it — e.g. wait on a
 *   hung network mount, as resolve's `realpath` following the same link would.)
 * - After the check it is the same descriptor as one from the walk, with the same residual.
 *   The verified folder is usually the target's parent, so the mount root and the folders
 *   between are not opened at all: one `open`, one `readlink`, one `close` instead of one
 *   `open` and `close` per folder (each through `/proc/self/fd`).
 *
 * Where the kernel has `openat2(2)` and the addon is built (fs-openat2.ts), the folder is
 * opened by its judged real path in one call that refuses every link on the way — magic
 * links included, so no other mount namespace is reachable — instead of the short way; when
 * that call fails, the walk above decides.
 *
 * Elsewhere than Linux (no `/proc/self/fd`) names are joined to the folder's path instead:
 * each folder is still opened without following links, but a concurrent rename can
 * redirect a later step ({@link FD_RELATIVE} is false; the provider warns at start-up).
 */
import fs from 'node:fs';
import path from 'node:path';
import { FsNotFoundError, FsUnsafeFileError, FsWrongTypeError } from './fs-errors';
import { OPEN_NO_LINKS } from './fs-openat2';
import { toFsError } from './fs-safe';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/** True when names can be resolved through an open folder's descriptor (`/proc/self/fd/N/name`). */
export const FD_RELATIVE: boolean = detectFdRelative();

function detectFdRelative(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const fd = fs.openSync('/', DIR_FLAGS);
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === '/';
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * True when the short way may be taken: Linux, and this process cannot look into the mount
 * namespaces of other users' processes. The path the kernel reports for a descriptor
 * (`d_path`) is the folder's path from the root of the mount namespace it was reached in,
 * not this process's, and nothing marks the difference: a link on the way to
 * `/proc/<pid>/root/<the judged path>` of a process whose own namespace mounts another folder
 * there passes the check with that other folder. Looking into `/proc/<pid>/root` needs the
 * process's own uid or `CAP_SYS_PTRACE`. Without that capability only processes of the
 * worker's own uid can be used so, and they can already read and write whatever the worker
 * can (the sandbox's programs cannot make mounts at all: no capabilities, no nested user
 * namespaces); with it (root, usually) a local user's namespace could show, say, `/etc` at a
 * workspace path, so every folder is walked from its mount root instead.
 */
export const SHORT_WAY: boolean = FD_RELATIVE && !mayTraceOtherUsers();

/** `CAP_SYS_PTRACE` (bit 19) in this process's effective capabilities; true when that cannot be read (fail closed). */
function mayTraceOtherUsers(): boolean {
  try {
    const caps = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'))?.[1];
    return caps === undefined || ((BigInt(`0x${caps}`) >> 19n) & 1n) === 1n;
  } catch {
    return true;
  }
}

/**
 * An open folder reached without following any link; names inside it are built with
 * {@link Dir.at}. Folder opens, closes and `lstat`s are synchronous system calls (a few
 * microseconds on a local disk, like the resolve step's realpath): a walk of N folders costs
 * no trip through libuv's thread pool, which keeps `fs.read`/`fs.write` as fast as before.
 */
export class Dir {
  private open = true;

  private constructor(
    private readonly fd: number,
    readonly hostPath: string,
  ) {}

  /** Opens the mount root `root` (a real path; a symlink there is refused). */
  static async root(root: string, agentPath: string): Promise<Dir> {
    return Dir.rootSync(root, agentPath);
  }

  /** {@link Dir.root}, synchronously (it is one `open(2)`). */
  static rootSync(root: string, agentPath: string): Dir {
    try {
      return new Dir(fs.openSync(root, DIR_FLAGS), root);
    } catch (err) {
      throw classify(err, root, agentPath, 'path');
    }
  }

  /**
   * The folder at the real host path `hostPath`, opened in one `openat2(2)` that refuses
   * every link on the way (fs-openat2.ts); `undefined` when that is not available or fails
   * for any reason (a symlink on the way, missing, not a folder): the caller then takes the
   * short way or walks, which give the precise error.
   */
  static openNoLinksSync(hostPath: string): Dir | undefined {
    if (OPEN_NO_LINKS === undefined) return undefined;
    const fd = OPEN_NO_LINKS(hostPath, DIR_FLAGS);
    return fd >= 0 ? new Dir(fd, hostPath) : undefined;
  }

  /**
   * The folder at the real host path `hostPath`, opened by path in one `open(2)` and kept
   * only if the kernel reports exactly that path for its descriptor (see the file comment:
   * the short way; the walker takes it only where {@link SHORT_WAY} holds); `undefined` when it cannot be verified (not Linux, missing, not a
   * folder, a symlink on the way, moved, deleted): the caller then walks one folder at a time.
   */
  static openVerifiedSync(hostPath: string): Dir | undefined {
    if (!FD_RELATIVE) return undefined;
    let fd: number;
    try {
      fd = fs.openSync(hostPath, DIR_FLAGS);
    } catch {
      return undefined;
    }
    if (fdIsAt(fd, hostPath)) return new Dir(fd, hostPath);
    fs.closeSync(fd);
    return undefined;
  }

  /** The name `name` inside this folder, resolved through its descriptor (valid while this Dir is open). */
  at(name: string): string {
    if (!this.open) throw new Error('internal: a name was built from a closed folder descriptor');
    return FD_RELATIVE ? `/proc/self/fd/${this.fd}/${name}` : path.join(this.hostPath, name);
  }

  /** This folder itself, for `readdir` (valid while this Dir is open). */
  self(): string {
    if (!this.open) throw new Error('internal: a closed folder descriptor was used');
    return FD_RELATIVE ? `/proc/self/fd/${this.fd}` : this.hostPath;
  }

  /**
   * Opens the folder `name` inside this one, without following a link.
   * `create` makes it (mode 0755, no special bits) if it is missing; `isTarget` says it is
   * the target itself rather than a folder above it (for the error).
   * @throws FsUnsafeFileError (a symlink), FsNotFoundError / FsWrongTypeError (missing, or a file).
   */
  async child(name: string, agentPath: string, options: { readonly create?: boolean; readonly isTarget?: boolean } = {}): Promise<Dir> {
    return this.childSync(name, agentPath, options);
  }

  /** {@link Dir.child}, synchronously (an `open(2)`, and a `mkdir(2)` where one is missing). */
  childSync(name: string, agentPath: string, options: { readonly create?: boolean; readonly isTarget?: boolean } = {}): Dir {
    const where = this.at(name);
    const create = options.create === true;
    let made = false;
    let fd: number | undefined;
    // Open first: a folder that exists (the usual case) costs no mkdir. Only a missing one is
    // made (mkdir never follows: a link there is EEXIST), then opened like any other.
    for (let attempt = 0; fd === undefined; attempt++) {
      try {
        fd = fs.openSync(where, DIR_FLAGS);
      } catch (err) {
        if (create && attempt === 0 && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          try {
            fs.mkdirSync(where, 0o755);
            made = true;
          } catch (mkErr) {
            if ((mkErr as NodeJS.ErrnoException).code !== 'EEXIST') throw toFsError(mkErr, agentPath);
          }
          continue;
        }
        throw classify(err, where, agentPath, options.isTarget === true ? 'target' : create ? 'parent' : 'path');
      }
    }
    const dir = new Dir(fd, path.join(this.hostPath, name));
    if (made) {
      try {
        // A new folder inherits setgid from a setgid parent: clear it, as on every file written.
        const mode = fs.fstatSync(fd).mode;
        if (mode & 0o7000) fs.fchmodSync(fd, mode & 0o777);
      } catch (err) {
        dir.closeSync();
        throw toFsError(err, agentPath);
      }
    }
    return dir;
  }

  /** The kind of the entry `name`, without following it. @throws FsNotFoundError when it is missing. */
  async lstat(name: string, agentPath: string): Promise<fs.Stats> {
    try {
      return fs.lstatSync(this.at(name));
    } catch (err) {
      throw toFsError(err, agentPath);
    }
  }

  /**
   * {@link Dir.lstat}, but `undefined` when `name` is missing (`ENOENT`) — no error object is
   * made for it: a new file's write asks this every time, and building and catching two errors
   * cost about a tenth of such a write's main-thread time (docs/performance.md, round 9).
   * @throws as {@link Dir.lstat} for any other failure.
   */
  lstatIfExists(name: string, agentPath: string): fs.Stats | undefined {
    try {
      return fs.lstatSync(this.at(name), { throwIfNoEntry: false });
    } catch (err) {
      throw toFsError(err, agentPath);
    }
  }

  /**
   * fsyncs this folder (so a rename in it is durable); filesystems that refuse are tolerated.
   * `via` may share the fsync with concurrent callers (fs-group-sync.ts); it gets this
   * folder's descriptor, which stays open until it settles.
   */
  async sync(via?: (fd: number) => Promise<void>): Promise<void> {
    const fd = this.fd;
    if (!this.open) throw new Error('internal: a closed folder descriptor was used');
    if (via !== undefined) return via(fd);
    await new Promise<void>((resolve) => fs.fsync(fd, () => resolve()));
  }

  /** Closes the descriptor; idempotent. */
  async close(): Promise<void> {
    this.closeSync();
  }

  /** {@link Dir.close}, synchronously. */
  closeSync(): void {
    if (!this.open) return;
    this.open = false;
    fs.closeSync(this.fd);
  }
}

/**
 * True when the kernel reports `hostPath`, byte for byte, as where the open descriptor `fd`
 * is now (`readlink` of `/proc/self/fd/fd`). Linux only (see {@link FD_RELATIVE}).
 * The link is decoded as UTF-8, where a byte sequence that is not UTF-8 becomes U+FFFD: a
 * path holding U+FFFD is never verified (two different paths could decode alike), and for
 * the others equal strings are equal bytes (decoding valid UTF-8 is one-to-one). Nor is a
 * path ending in ` (deleted)`: a removed folder once at `p` reports `p (deleted)`.
 */
export function fdIsAt(fd: number, hostPath: string): boolean {
  // The kernel reports a removed folder as `<its path> (deleted)`: a judged path ending so is never verified.
  if (hostPath.includes('\uFFFD') || hostPath.endsWith(' (deleted)')) return false;
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`) === hostPath;
  } catch {
    return false;
  }
}

/**
 * Turns a failed folder open into a typed error. `O_NOFOLLOW | O_DIRECTORY` on a symlink
 * gives ENOTDIR (or ELOOP): that is an unsafe target, not a missing one.
 * @param role the target itself (listed), a parent being created, or a folder on the way.
 */
function classify(err: unknown, where: string, agentPath: string, role: 'target' | 'parent' | 'path'): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOTDIR' && code !== 'ELOOP') return toFsError(err, agentPath);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(where);
  } catch {
    st = undefined;
  }
  if (st === undefined) return new FsNotFoundError(agentPath);
  if (st.isSymbolicLink()) {
    return new FsUnsafeFileError(agentPath, `${role === 'target' ? 'it is' : 'a parent folder is'} a symbolic link (it changed after it was judged)`);
  }
  // A folder again by now: it was something else a moment ago, so it is being swapped.
  if (st.isDirectory()) return new FsUnsafeFileError(agentPath, 'a folder on its path is being swapped (it changed after it was judged)');
  if (role === 'target') return new FsWrongTypeError(agentPath, 'a directory');
  return role === 'parent' ? new FsWrongTypeError(agentPath, 'inside a folder (a parent is a file)') : new FsNotFoundError(agentPath);
}
