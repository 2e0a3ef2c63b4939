/**
 * The other names a `proc.exec` program is known by, so that a deny or ask rule written for one
 * name is not dodged by another: `curl` is also `/usr/bin/curl` (where it is found on the fixed
 * PATH) and that file's real path; `/usr/bin/python3` is also `python3` and, where it links to
 * `/usr/bin/python3.11`, `python3.11`. The policy matches deny and ask rules against these names
 * too, never grants (see `CanonicalRequest.aliases`), so they can only narrow what is allowed.
 */
import { accessSync, constants as fsConstants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The process provider's fixed PATH unless its options give one. */
export const DEFAULT_PROGRAM_PATH: readonly string[] = ['/usr/local/bin', '/usr/bin', '/bin'];

/** True for an executable regular file (links followed). */
export function isExecutableFileSync(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * @param written the program as the request names it, normalised (`curl` or `/usr/bin/python3`).
 * @param canonical what the policy judges: the bare name, or the absolute program's real path.
 * @param fixedPath the provider's PATH folders, in lookup order.
 * @returns the names other than `canonical`, without repeats; none for a bare name not found.
 * @example
 * programAliases('curl', 'curl', ['/usr/bin']); // ['/usr/bin/curl', 'curl' real path…]
 */
export function programAliases(written: string, canonical: string, fixedPath: readonly string[]): string[] {
  const names: string[] = [];
  if (written.startsWith('/')) {
    names.push(written, path.posix.basename(written), path.posix.basename(canonical));
  } else {
    const found = fixedPath.map((dir) => path.posix.join(dir, written)).find(isExecutableFileSync);
    if (found !== undefined) {
      const real = realOf(found);
      names.push(found, real, path.posix.basename(real));
    }
  }
  return [...new Set(names)].filter((n) => n !== canonical && n !== '');
}

function realOf(file: string): string {
  try {
    return realpathSync.native(file);
  } catch {
    return file;
  }
}
