/**
 * What of the host a sandboxed program sees besides its mounts: the system folders,
 * read-only, and a curated `/etc`. Everything else of the host (home folders, /root, /var,
 * /run, /srv, other workspaces, the worker's files) is simply absent.
 */
import fs from 'node:fs';
import path from 'node:path';

/** System folders shown read-only (or re-created as the same symlink, on merged-/usr systems). */
export const SYSTEM_FOLDERS: readonly string[] = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The only entries of the host's `/etc` shown inside: user and group names, name
 * resolution files, the dynamic linker's cache, TLS certificates, time zone and the
 * alternatives links that /usr/bin points into. Never shadow/gshadow, sudoers, ssh keys,
 * machine-id or any other host secret — nor `/etc/ssl/private`: a root worker's program is host
 * uid 0, that folder's owner, and read the host's TLS private keys in it (red team 15b).
 */
export const ETC_ALLOWED: readonly string[] = [
  'passwd',
  'group',
  'hosts',
  'resolv.conf',
  'nsswitch.conf',
  'host.conf',
  'gai.conf',
  'protocols',
  'services',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'ca-certificates.conf',
  'alternatives',
  'mime.types',
  'locale.alias',
  'inputrc',
];

/** Agent paths a mount may not cover or sit under: they hold the sandbox's own system view. */
export const RESERVED_AGENT_PATHS: readonly string[] = [...SYSTEM_FOLDERS, '/etc', '/proc', '/dev', '/tmp', '/sys', '/run'];

/** bubblewrap arguments for the system folders that exist on this host. */
export function systemFolderArgs(): string[] {
  const args: string[] = [];
  for (const folder of SYSTEM_FOLDERS) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(folder);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(folder), folder);
    else if (stat.isDirectory()) args.push('--ro-bind', folder, folder);
  }
  return args;
}

/** bubblewrap arguments for the curated `/etc` (entries missing on this host are skipped). */
export function etcArgs(): string[] {
  const args: string[] = ['--dir', '/etc'];
  for (const name of ETC_ALLOWED) {
    const file = path.join('/etc', name);
    if (fs.existsSync(file)) args.push('--ro-bind', file, file);
  }
  return args;
}

/** True if `p` is `dir` or lies below it (both absolute, normalised). */
export function isAtOrBelow(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
