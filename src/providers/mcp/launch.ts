/**
 * THE seam through which every stdio MCP server is started. `launchSpec` turns a server's
 * configuration into exactly what is executed — `{ command, args, env, cwd }` — and nothing
 * else reaches `spawn` (stdio-transport.ts runs the spec as given, in its own process group).
 *
 * - `env` is an allow-list: only the names in the server's `env` are copied from the worker's
 *   environment (unset ones are skipped), plus its fixed `envValues`. Not even PATH or HOME
 *   is inherited.
 * - a bare program name is resolved to an absolute path through the WORKER's PATH here, so
 *   the server needs no PATH of its own.
 *
 * Confinement: `McpProviderOptions.launch` receives the spec and returns the one to run —
 * e.g. the same program wrapped in the process sandbox (bubblewrap: workspace mounted as the
 * operator decides, no network unless granted). The default runs the spec unchanged.
 */
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import type { McpStdioServer } from './config';
import { McpStartFailedError } from './errors';

/** What is executed for one stdio server. */
export interface LaunchSpec {
  /** Absolute path of the program. */
  readonly command: string;
  readonly args: readonly string[];
  /** The complete environment of the server (no inheritance). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** Rewrites a launch spec, e.g. to run it inside the sandbox. Called once per server start. */
export type Launcher = (spec: LaunchSpec, server: string) => LaunchSpec | Promise<LaunchSpec>;

/**
 * Builds the launch spec of a stdio server.
 * @throws McpStartFailedError when the program cannot be found.
 * @example
 * launchSpec('fs', { command: ['node', 'server.js'], env: ['LANG'] }, process.env);
 * // { command: '/usr/bin/node', args: ['server.js'], env: { LANG: 'C.UTF-8' }, cwd: process.cwd() }
 */
export function launchSpec(server: string, config: McpStdioServer, workerEnv: Readonly<Record<string, string | undefined>>): LaunchSpec {
  const [program = '', ...args] = config.command;
  const env: Record<string, string> = {};
  for (const name of config.env ?? []) {
    const value = workerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, config.envValues ?? {});
  return { command: locate(server, program, workerEnv['PATH'] ?? ''), args, env, cwd: config.cwd ?? process.cwd() };
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
