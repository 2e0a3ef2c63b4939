/**
 * `openat2(2)` with `RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` (Linux 5.6+), through the
 * small addon `native/fs-openat2.c` that `npm run build` compiles into `dist/native/`
 * (scripts/build-native.js): one system call that opens a real host path while the kernel
 * itself refuses every symbolic link on the way and at the end — magic links such as
 * `/proc/<pid>/root/…` and `/proc/self/fd/N` included — so what it opens was reached from
 * this process's root through real folders only, in this process's mount namespace. That is
 * what the walker (fs-handle-walk.ts) otherwise proves one folder at a time, or by the
 * kernel-reported path of the descriptor; here it is one call instead of one `open` and
 * `close` per folder (and works for a worker with `CAP_SYS_PTRACE`, which must not take the
 * short way: fs-handle.ts, SHORT_WAY).
 *
 * Optional and fail-safe: without the addon (no C compiler at build time, not Linux), with
 * a kernel or a seccomp filter that refuses `openat2`, or with `AGENT_OS_FS_OPENAT2=off`
 * (owned here), {@link OPEN_NO_LINKS} is `undefined` and the walker walks as before. On any
 * failure of a call the caller walks too, which gives the precise error (or makes the
 * missing folders of a write).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Opens `hostPath` (absolute) with Node's `fs.constants` flags, refusing every link on the way: a descriptor, or `-errno`. */
export type OpenNoLinks = (hostPath: string, flags: number) => number;

interface Addon {
  readonly open: OpenNoLinks;
}

/** The addon's place beside the compiled sources (`dist/native/`, written by scripts/build-native.js). */
export const ADDON_PATH = path.join(__dirname, '..', '..', 'native', 'fs-openat2.node');

/** The open that refuses every link, or `undefined` where it is not available (see the file comment). */
export const OPEN_NO_LINKS: OpenNoLinks | undefined = load();

function load(): OpenNoLinks | undefined {
  if (process.platform !== 'linux' || process.env['AGENT_OS_FS_OPENAT2'] === 'off') return undefined;
  let addon: Addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(ADDON_PATH) as Addon;
  } catch {
    return undefined;
  }
  return works(addon.open) ? addon.open : undefined;
}

/** The root opens, and a magic link to it is refused with ELOOP: the call exists and resolves as promised. */
function works(open: OpenNoLinks): boolean {
  const { O_RDONLY, O_DIRECTORY } = fs.constants;
  const fd = open('/', O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  fs.closeSync(fd);
  const magic = open('/proc/self/root', O_RDONLY | O_DIRECTORY);
  if (magic >= 0) {
    fs.closeSync(magic);
    return false;
  }
  return magic === -os.constants.errno.ELOOP;
}
