/**
 * The operator's MCP server map, as given to `McpProvider` (the original's shape:
 * `{ servers: { my_server: { command: ['node', 'server.js'] } } }`), and its checks.
 * A server is either a stdio program (`command`) or a Streamable HTTP endpoint (`url`).
 */
import { isMcpServerName } from '../../policy/canonical-mcp';
import type { CredentialRule } from '../secrets';
import type { SandboxLimits } from '../sandbox/types';
import { McpConfigError } from './errors';

/** How a stdio server is confined. */
export const McpSandbox = {
  /** Default: bubblewrap — only its mounts and its own files, no network, no host environment. */
  Bwrap: 'bwrap',
  /** Unconfined, with a loud warning: the operator's explicit choice for a trusted server. */
  Off: 'off',
} as const;
export type McpSandbox = (typeof McpSandbox)[keyof typeof McpSandbox];

/** A host folder shown to a sandboxed server at an agent path (the path the server and the policy see). */
export interface McpMount {
  /** Absolute path inside the sandbox, e.g. `/workspace`. */
  readonly agent: string;
  /** Host folder (absolute). */
  readonly host: string;
  /** Bind read-only (default: writable). */
  readonly readOnly?: boolean;
}

/** A server started as a program that speaks MCP over stdin/stdout. */
export interface McpStdioServer {
  /** Program and arguments, e.g. `['node', 'server.js']`; a bare program is looked up in the worker's PATH. */
  readonly command: readonly string[];
  /** Names of worker environment variables passed to the server (the allow-list; nothing else is passed). */
  readonly env?: readonly string[];
  /** Fixed environment values for the server (not secrets: they are part of the configuration). */
  readonly envValues?: Readonly<Record<string, string>>;
  /**
   * Working directory. Sandboxed: an agent path inside a mount (default: the first mount's
   * agent path, else the server's own folder). With `sandbox: 'off'`: a host folder (default: the worker's).
   */
  readonly cwd?: string;
  /** `'bwrap'` (default) or `'off'` (unconfined, loud warning). */
  readonly sandbox?: McpSandbox;
  /** Host folders the sandboxed server sees, each at its agent path (e.g. the workspace read-only, `output/` writable). */
  readonly mounts?: readonly McpMount[];
  /**
   * Further host folders the sandboxed server sees read-only at the same path (its own files
   * beyond what is derived from `command`; see launch.ts).
   */
  readonly readOnlyPaths?: readonly string[];
  /** Resource limits of the sandboxed server (defaults: the sandbox's). */
  readonly limits?: SandboxLimits;
  /** Tools the operator declares idempotent: only these are retried by a workflow (others are at-most-once). */
  readonly idempotentTools?: readonly string[];
  /**
   * `proxy`: the sandboxed server gets HTTP(S) egress through the kernel's auditing proxy, each
   * connection judged by the kernel's (ceiling) `net.http` rules and recorded; `none` (default): no network.
   */
  readonly network?: 'none' | 'proxy';
}

/** A server reached over Streamable HTTP, only through the HTTP guard. */
export interface McpHttpServer {
  /** The endpoint, e.g. `https://mcp.example.com/mcp`. */
  readonly url: string;
  /** Worker-side credentials (header from an environment variable), as for net.http; never seen by the agent. */
  readonly credentials?: readonly Omit<CredentialRule, 'match'>[];
  /** Non-public addresses that may be reached anyway, e.g. `['127.0.0.1']` for a local server. */
  readonly allowAddresses?: readonly string[];
  readonly idempotentTools?: readonly string[];
}

/** One configured server. */
export type McpServerConfig = McpStdioServer | McpHttpServer;

/** True for a stdio server. */
export function isStdioServer(s: McpServerConfig): s is McpStdioServer {
  return 'command' in s;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks the server map.
 * @throws McpConfigError naming the server and what is wrong.
 */
export function checkServers(servers: Readonly<Record<string, McpServerConfig>>): void {
  if (typeof servers !== 'object' || servers === null) throw new McpConfigError('<servers>', 'servers must be an object of name → server');
  for (const [name, s] of Object.entries(servers)) {
    if (!isMcpServerName(name)) throw new McpConfigError(name, 'a server name is lower case letters, digits, "_" and "-" (no "__", at most 64 characters)');
    if (typeof s !== 'object' || s === null) throw new McpConfigError(name, 'a server is { command: [...] } or { url: "https://..." }');
    const stdio = 'command' in s;
    const http = 'url' in s;
    if (stdio === http) throw new McpConfigError(name, 'give exactly one of "command" (a stdio server) or "url" (a Streamable HTTP server)');
    if (stdio) {
      const c = s.command;
      if (!Array.isArray(c) || c.length === 0 || !c.every((a) => typeof a === 'string') || c[0] === '') {
        throw new McpConfigError(name, 'command must be a non-empty list of strings, e.g. ["node", "server.js"]');
      }
      for (const v of s.env ?? []) if (!ENV_NAME.test(v)) throw new McpConfigError(name, `env: "${v}" is not an environment variable name`);
      for (const [k, v] of Object.entries(s.envValues ?? {})) {
        if (!ENV_NAME.test(k) || typeof v !== 'string' || v.includes('\u0000'))
          throw new McpConfigError(name, `envValues: "${k}" must be a name with a string value`);
      }
      checkSandboxKeys(name, s);
    } else {
      let url: URL;
      try {
        url = new URL(s.url);
      } catch {
        throw new McpConfigError(name, 'url must be an absolute http(s) URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new McpConfigError(name, 'url must be http(s)');
      if (url.username !== '' || url.password !== '')
        throw new McpConfigError(name, 'url must not carry credentials; use "credentials" (values from the worker environment)');
    }
    const idem = s.idempotentTools ?? [];
    if (!Array.isArray(idem) || !idem.every((t) => typeof t === 'string')) throw new McpConfigError(name, 'idempotentTools must be a list of tool names');
  }
}

function checkSandboxKeys(name: string, s: McpStdioServer): void {
  const mode = s.sandbox ?? McpSandbox.Bwrap;
  if (mode !== McpSandbox.Bwrap && mode !== McpSandbox.Off)
    throw new McpConfigError(name, `sandbox must be "bwrap" (default) or "off", got ${JSON.stringify(mode)}`);
  const mounts = s.mounts ?? [];
  if (!Array.isArray(mounts)) throw new McpConfigError(name, 'mounts must be a list of { agent, host, readOnly? }');
  for (const m of mounts) {
    if (
      typeof m !== 'object' ||
      m === null ||
      typeof m.agent !== 'string' ||
      typeof m.host !== 'string' ||
      !m.agent.startsWith('/') ||
      !m.host.startsWith('/')
    ) {
      throw new McpConfigError(name, 'each mount is { agent: "/workspace", host: "/absolute/host/folder", readOnly?: true } with absolute paths');
    }
  }
  for (const p of s.readOnlyPaths ?? [])
    if (typeof p !== 'string' || !p.startsWith('/')) throw new McpConfigError(name, `readOnlyPaths: ${JSON.stringify(p)} must be an absolute host path`);
  if (mode === McpSandbox.Off && (mounts.length > 0 || (s.readOnlyPaths ?? []).length > 0 || s.limits !== undefined || s.network !== undefined)) {
    throw new McpConfigError(name, 'mounts, readOnlyPaths, limits and network apply only to a sandboxed server; remove them or remove sandbox: off');
  }
  if (s.network !== undefined && s.network !== 'none' && s.network !== 'proxy') {
    throw new McpConfigError(
      name,
      `network must be "none" (default) or "proxy" (HTTP(S) through the kernel's auditing proxy), got ${JSON.stringify(s.network)}`,
    );
  }
}
