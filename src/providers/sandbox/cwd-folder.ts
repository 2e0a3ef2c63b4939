/**
 * The checked working directory handed to bubblewrap as a descriptor (see
 * `SandboxCommand.cwdFolder`): the launcher opens it and makes sure it is the checked one;
 * bubblewrap shows it read-only at `SANDBOX_CWD_REF`, and the shell before the program
 * compares the folder entered by name with it. And how a run refused for a moved working
 * directory is recognised, whichever of the three refused.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync } from 'node:fs';
import { CWD_MOVED_EXIT, CWD_MOVED_MESSAGE, SANDBOX_CWD_FD, type SandboxCwdFolder } from './types';

/**
 * Opens the checked working directory for bubblewrap: as a directory, without following a
 * link at its end, and only if it is the checked one (device and inode). The descriptor, not
 * the name, is what bubblewrap mounts as the reference of the check inside.
 * @returns the descriptor, or null when the folder at that path is not the checked one (nothing may run).
 */
export function openCwdFolder(folder: SandboxCwdFolder): number | null {
  let fd: number;
  try {
    fd = openSync(folder.host, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (st.dev === folder.dev && st.ino === folder.ino) return fd;
  } catch {
    // not usable: treated as not the checked folder
  }
  closeSync(fd);
  return null;
}

/**
 * bubblewrap's own refusals (exit 1, before anything ran) when the descriptor of the checked
 * working directory no longer leads to it by path: the folder was deleted (its path reads
 * `… (deleted)`), or what it mounted by path is not the descriptor's folder (swapped meanwhile).
 * Not its other failures on that path (e.g. `Permission denied`: bubblewrap's uid may not
 * traverse a folder on the way), which stay bubblewrap's own message.
 */
const BIND_FD_REFUSALS = [`bwrap: Can't find source path /proc/self/fd/${SANDBOX_CWD_FD}: No such file or directory\n`, 'bwrap: Race condition binding dirfd'];

/**
 * True when a sandboxed run ended because its working directory was not the checked one:
 * the check inside the sandbox (or the launcher's before it) refused, or bubblewrap did.
 * Nothing ran then.
 */
export function isCwdMoved(outcome: { readonly exitCode: number | null; readonly stdout: string; readonly stderr: string }): boolean {
  if (outcome.stdout !== '') return false;
  if (outcome.exitCode === CWD_MOVED_EXIT) return outcome.stderr === `${CWD_MOVED_MESSAGE}\n`;
  return outcome.exitCode === 1 && !outcome.stderr.slice(0, -1).includes('\n') && BIND_FD_REFUSALS.some((r) => outcome.stderr.startsWith(r));
}
