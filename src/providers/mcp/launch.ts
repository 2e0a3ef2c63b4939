/**
 * THE seam through which every stdio MCP server is started. `launchSpec` turns a server's
 * configuration into exactly what is executed — `{ command, args, env, cwd, sandbox }` — and
 * nothing else reaches the process (stdio-transport.ts runs the spec as given).
 *
 * - `env` is an allow-list: only the names in the server's `env` are copied from the worker's
 *   environment (unset ones are skipped), plus its fixed `envValues`. Not even PATH or HOME
 *   is inherited.
 * - a bare program name is resolved to an absolute path through the WORKER's PATH here, so
 *   the server needs no PATH of its own.
 *
 * Confinement (default, `sandbox: 'bwrap'`): the server runs in the process sandbox
 * (src/providers/sandbox: bubblewrap, no network, own PID namespace, no capabilities, the
 * system folders read-only, a curated /etc, a private /tmp). It sees, besides that, only
 *   1. the operator's `mounts` (agent path → host folder, read-only or writable), and
 *   2. its own files, read-only at their host paths: the folder of the program (when it is not
 *      in a system folder) and of the script — the first argument that is not an option and
 *      names an existing file — each widened to its package: the topmost `node_modules` folder
 *      above it (so hoisted dependencies resolve), else the nearest folder with a
 *      `package.json`, else the file's own folder; plus the operator's `readOnlyPaths`.
 * A relative script argument is made absolute (against the worker's working directory), so it
 * names the same file inside. `McpProviderOptions.launch` may still rewrite the spec.
 */
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SandboxLimits, SandboxMount } from '../sandbox/types';
import { isAtOrBelow, RESERVED_AGENT_PATHS, SYSTEM_FOLDERS } from '../sandbox/system-view';
import { McpSandbox, type McpStdioServer } from './config';
import { McpConfigError, McpStartFailedError } from './errors';

/**
 * Default limits of a sandboxed MCP server: the sandbox's, except no address-space cap — V8
 * reserves about 10 GiB of address space per WebAssembly instance (Node's own fetch uses one),
 * so an RLIMIT_AS cap breaks ordinary Node servers. Set `limits.memoryBytes` to cap it anyway.
 */
export const MCP_SANDBOX_LIMITS: SandboxLimits = { memoryBytes: Infinity };

/** The sandbox view of a confined server. */
export interface LaunchSandbox {
  /** Every folder the server sees besides the system view (its own files are read-only mounts at their host paths). */
  readonly mounts: readonly SandboxMount[];
  readonly limits?: SandboxLimits;
  /** `proxy`: HTTP(S) egress through the kernel's auditing proxy (see sandbox/forwarder.ts). */
  readonly network?: 'proxy';
}

/** What is executed for one stdio server. */
export interface LaunchSpec {
  /** Absolute path of the program (on the host; visible at the same path inside the sandbox). */
  readonly command: string;
  readonly args: readonly string[];
  /** The complete environment of the server (no inheritance). */
  readonly env: Readonly<Record<string, string>>;
  /** Sandboxed: an agent path inside a mount; unconfined: a host folder. */
  readonly cwd: string;
  /** The sandbox view; absent only for a server configured `sandbox: 'off'`. */
  readonly sandbox?: LaunchSandbox;
}

/** Rewrites a launch spec (operator code, e.g. more limits). Called once per server start. */
export type Launcher = (spec: LaunchSpec, server: string) => LaunchSpec | Promise<LaunchSpec>;

/**
 * Builds the launch spec of a stdio server.
 * @throws McpStartFailedError when the program or a mount's host folder cannot be found.
 * @throws McpConfigError when a sandboxed server would see `/` or a system path, or has nothing to run in.
 * @example
 * launchSpec('fs', { command: ['node', 'server.js'], mounts: [{ agent: '/workspace', host: '/srv/ws', readOnly: true }] }, process.env);
 * // { command: '/usr/bin/node', args: ['/srv/app/server.js'], env: {}, cwd: '/workspace',
 * //   sandbox: { mounts: [{ agent: '/workspace', host: '/srv/ws', readOnly: true }, { agent: '/srv/app', host: '/srv/app', readOnly: true }] } }
 */
export function launchSpec(server: string, config: McpStdioServer, workerEnv: Readonly<Record<string, string | undefined>>): LaunchSpec {
  const [program = '', ...args] = config.command;
  const env: Record<string, string> = {};
  for (const name of config.env ?? []) {
    const value = workerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, config.envValues ?? {});
  const command = locate(server, program, workerEnv['PATH'] ?? '');
  if (config.sandbox === McpSandbox.Off) return { command, args, env, cwd: config.cwd ?? process.cwd() };

  const own: string[] = [];
  if (!inSystemFolder(command)) own.push(packageFolder(command));
  const script = args.findIndex((a) => !a.startsWith('-'));
  const scriptArg = script < 0 ? undefined : args[script];
  const scriptFile = scriptArg === undefined ? undefined : existingFile(path.resolve(scriptArg));
  const runArgs = [...args];
  if (scriptFile !== undefined) {
    own.push(packageFolder(scriptFile));
    if (!path.isAbsolute(scriptArg ?? '')) runArgs[script] = scriptFile;
  }
  own.push(...(config.readOnlyPaths ?? []).map((p) => path.resolve(p)));
  const folders = [...new Set(own)].filter((f) => !inSystemFolder(f));
  for (const f of folders) {
    if (RESERVED_AGENT_PATHS.some((r) => isAtOrBelow(r, f)) || ['/etc', '/proc', '/dev', '/sys', '/run'].some((r) => isAtOrBelow(f, r))) {
      throw new McpConfigError(
        server,
        `the sandboxed server would see ${f} (its own files); keep the server in its own folder (a package with a package.json) or list narrower readOnlyPaths`,
      );
    }
  }
  const ownMounts = folders.filter((f) => !folders.some((o) => o !== f && isAtOrBelow(f, o))).map((f) => ({ agent: f, host: f, readOnly: true }));
  const mounts: SandboxMount[] = (config.mounts ?? []).map((m) => ({
    agent: path.posix.normalize(m.agent),
    host: hostFolder(server, m.agent, m.host),
    ...(m.readOnly === true ? { readOnly: true } : {}),
  }));
  mounts.push(...ownMounts);
  const cwd = config.cwd ?? mounts[0]?.agent;
  if (cwd === undefined) {
    throw new McpConfigError(
      server,
      'a sandboxed server needs something to run in: give it "mounts" (e.g. the workspace) or run a script file; or set sandbox: off explicitly',
    );
  }
  const network = config.network === 'proxy' ? { network: 'proxy' as const } : {};
  return { command, args: runArgs, env, cwd, sandbox: { mounts, limits: { ...MCP_SANDBOX_LIMITS, ...config.limits }, ...network } };
}

function inSystemFolder(p: string): boolean {
  return SYSTEM_FOLDERS.some((s) => isAtOrBelow(p, s));
}

function existingFile(p: string): string | undefined {
  try {
    const real = realpathSync(p);
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** The folder of a server's own files that `file` belongs to (see the module comment). */
function packageFolder(file: string): string {
  const real = existingFile(file) ?? file;
  const parts = real.split('/');
  const nm = parts.indexOf('node_modules');
  if (nm > 0) return parts.slice(0, nm + 1).join('/');
  for (let dir = path.dirname(real); dir !== '/'; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return path.dirname(real);
}

function hostFolder(server: string, agent: string, host: string): string {
  try {
    const real = realpathSync(host);
    if (statSync(real).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw new McpStartFailedError(server, `the host folder of mount ${agent} does not exist or is not a folder`);
}

function locate(server: string, program: string, searchPath: string): string {
  if (program.includes('/')) return path.resolve(program);
  if (program === 'node') return process.execPath;
  for (const dir of searchPath.split(':')) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  throw new McpStartFailedError(server, `program "${program}" is not an executable in the worker's PATH`);
}
