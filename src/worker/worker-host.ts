/**
 * What `agent-os worker` hosts, built from files: the kernel (ceiling policy, providers on
 * the given mounts, audit log), the reversible layer in front of it (so runs can be rolled
 * back), and the tool definitions. Kept apart from the CLI so tests and embedders build the
 * same host.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ActivityDeps } from '../activities/index';
import { layerUndoer } from '../activities/reversible';
import { Kernel } from '../kernel/kernel';
import { FilesystemProvider } from '../providers/filesystem';
import { HttpProvider, type HttpProviderOptions } from '../providers/http';
import type { McpServerConfig } from '../providers/mcp/config';
import { McpProvider } from '../providers/mcp/provider';
import { loadServersFile } from '../providers/mcp/servers-file';
import { mcpToolDefs, offerToolDef, type McpToolCatalogue } from '../providers/mcp/tools';
import { ProcessProvider, type ProcessProviderOptions } from '../providers/process';
import type { AuditLogOptions } from '../kernel/audit-log';
import type { AuditRecord } from '../kernel/audit-record';
import type { Provider } from '../kernel/types';
import type { FreezeCheck } from '../kernel/policy-gate';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy, ReversibleActionLayer, SnapshotStore, type SnapshotStoreOptions } from '../reversible/index';
import type { ToolDefSpec } from '../workflows/tool-defs';
import { loadToolsFile } from '../client/tools-file';
import { refuseStateInMounts, type WorkerStatePath } from './outside-mounts';

/** Options of {@link buildWorkerHost}. */
export interface WorkerHostOptions {
  /** The ceiling policy file. */
  readonly policyFile: string;
  /** The tools file (optional: runs may bring their own tools). */
  readonly toolsFile?: string;
  /** Agent path → host folder, e.g. `{ '/workspace': '/srv/ws' }`. */
  readonly mounts: Readonly<Record<string, string>>;
  /** Audit log (JSONL). */
  readonly logPath: string;
  /** Folder of the reversible layer's snapshots. */
  readonly snapshotsDir: string;
  /** MCP servers file (servers-file.ts): adds an McpProvider for `mcp.call`. */
  readonly mcpServersFile?: string;
  /** Rotation and head-file settings of the audit log (see {@link AuditLogOptions}). */
  readonly audit?: AuditLogOptions;
  /** Snapshot retention: `ttl` ms after the last change, at most `maxRecords` settled records. */
  readonly snapshotRetention?: SnapshotStoreOptions;
  /** Options of the HTTP provider (credentials, allowed local addresses, limits). */
  readonly http?: HttpProviderOptions;
  /** Options of the process provider besides its mounts (PATH, limits, hardening). */
  readonly process?: Omit<ProcessProviderOptions, 'mounts'>;
  /** Further providers (custom actions), after the built-in ones. */
  readonly providers?: readonly Provider[];
  /** An emergency stop the kernel asks before every decision. */
  readonly freeze?: FreezeCheck;
  /** Called with every audit record after it was written (e.g. the worker's metrics). */
  readonly observe?: (record: AuditRecord) => void;
}

/** A kernel with its layer and tools; `close()` closes the kernel (flushing its log). */
export interface WorkerHost extends Pick<ActivityDeps, 'kernel' | 'executor' | 'undoer' | 'isIdempotent'> {
  readonly kernel: Kernel;
  readonly tools: readonly ToolDefSpec[];
  /** The MCP provider, when the host has a servers file. */
  readonly mcp?: McpProvider;
  close(): Promise<void>;
}

/**
 * Loads the policy and tools and builds the kernel and layer.
 * @throws PolicyValidationError / PolicyFileError, ToolsFileError, FsInvalidMountError, McpServersFileError / McpConfigError.
 * @example
 * const host = buildWorkerHost({ policyFile: 'policy.yaml', toolsFile: 'tools.yaml', mounts: { '/workspace': '/srv/ws' }, logPath: 'kernel.log', snapshotsDir: '.snapshots' });
 */
export function buildWorkerHost(options: WorkerHostOptions): WorkerHost {
  const servers = options.mcpServersFile === undefined ? undefined : loadServersFile(options.mcpServersFile);
  // Before anything is created: the kernel would open its log, the store its folder.
  refuseStateInMounts(hostStatePaths(options, servers?.pinsFile), { ...options.mounts, ...mcpServerMounts(servers?.servers ?? {}) });
  const mcp =
    servers === undefined
      ? undefined
      : new McpProvider({ servers: servers.servers, ...(servers.pinsFile === undefined ? {} : { pinsFile: servers.pinsFile }) });
  const kernel = new Kernel({
    policy: options.policyFile,
    // Programs run only in the sandbox, which needs mounts: without any, proc.exec has no provider.
    providers: [
      new FilesystemProvider({ mounts: options.mounts }),
      ...(Object.keys(options.mounts).length > 0 ? [new ProcessProvider({ ...options.process, mounts: options.mounts })] : []),
      new HttpProvider(options.http),
      ...(mcp ? [mcp] : []),
      ...(options.providers ?? []),
    ],
    logPath: options.logPath,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(options.freeze ? { freeze: options.freeze } : {}),
    ...(options.observe ? { observe: options.observe } : {}),
  });
  try {
    const tools = options.toolsFile === undefined ? [] : loadToolsFile(options.toolsFile, { actions: kernel.actions });
    fs.mkdirSync(options.snapshotsDir, { recursive: true });
    const strategies = [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()];
    const store = new SnapshotStore(path.resolve(options.snapshotsDir), options.snapshotRetention ?? {});
    // A run with its own policy gets the same store and strategies over the narrowed kernel (layer.forKernel).
    const layer = new ReversibleActionLayer({ kernel, strategies, store });
    const isIdempotent =
      mcp === undefined ? {} : { isIdempotent: (r: { action: string; target: string }) => r.action === 'mcp.call' && mcp.isIdempotent(r.target) };
    return { kernel, tools, executor: layer, undoer: layerUndoer(layer), ...isIdempotent, ...(mcp ? { mcp } : {}), close: () => kernel.close() };
  } catch (err) {
    void kernel.close();
    throw err;
  }
}

/**
 * Adds the MCP tools the ceiling policy could allow (`mcpToolDefs`: each server started,
 * listed and pin-checked) to the tools the host offers runs that bring none. A server that
 * cannot be listed (start failure, no sandbox, pin mismatch) offers nothing and is reported
 * in `failed`; the host keeps working.
 * @example
 * const { host: withMcp, failed } = await withMcpTools(buildWorkerHost({ …, mcpServersFile: 'servers.yaml' }));
 */
export async function withMcpTools(host: WorkerHost): Promise<{ readonly host: WorkerHost; readonly failed: McpToolCatalogue['failed'] }> {
  if (host.mcp === undefined) return { host, failed: [] };
  const { offers, failed } = await mcpToolDefs(host.mcp, host.kernel);
  return { host: { ...host, tools: [...host.tools, ...offers.map(offerToolDef)] }, failed };
}

/**
 * Parses repeated `--mount AGENT=HOST` values (`/workspace=/workspace`).
 * @throws TypeError naming the bad value.
 */
export function parseMounts(values: readonly string[]): Record<string, string> {
  const mounts: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) throw new TypeError(`--mount ${value}: expected AGENT_PATH=HOST_PATH, e.g. /workspace=/srv/workspace`);
    mounts[value.slice(0, eq)] = path.resolve(value.slice(eq + 1));
  }
  return mounts;
}

/**
 * What stdio MCP servers see of the host besides their own files: each mount's host folder and
 * each `readOnlyPaths` entry, keyed `<agent path> (MCP server "<name>")` for the error. A server
 * sees them whatever the policy decides (a write tool, a link in a writable folder), so the
 * worker's own state must lie outside them as outside the workspace (red team 14).
 */
export function mcpServerMounts(servers: Readonly<Record<string, McpServerConfig>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, config] of Object.entries(servers)) {
    if (!('command' in config)) continue;
    for (const m of config.mounts ?? []) out[`${m.agent} (MCP server "${name}")`] = m.host;
    for (const p of config.readOnlyPaths ?? []) out[`${p} (MCP server "${name}")`] = p;
  }
  return out;
}

/**
 * The host's own files and folders, none of which may lie inside a mount (outside-mounts.ts):
 * the snapshots (nor may a mount lie inside them), the audit log and its head folder, the
 * ceiling policy, the tools file, the MCP servers file and its pins, and `statePaths`.
 */
function hostStatePaths(options: WorkerHostOptions, pinsFile: string | undefined): WorkerStatePath[] {
  return [
    { what: 'the snapshots folder', path: options.snapshotsDir, option: '--snapshots', folder: true },
    { what: 'the audit log', path: options.logPath, option: '--log' },
    ...(options.audit?.headDir !== undefined
      ? [{ what: "the audit log's head folder", path: options.audit.headDir, option: '--audit-head-dir', folder: true }]
      : []),
    { what: 'the ceiling policy', path: options.policyFile, option: '--policy' },
    ...(options.toolsFile !== undefined ? [{ what: 'the tools file', path: options.toolsFile, option: '--tools' }] : []),
    ...(options.mcpServersFile !== undefined ? [{ what: 'the MCP servers file', path: options.mcpServersFile, option: '--mcp' }] : []),
    ...(pinsFile !== undefined ? [{ what: "the MCP servers' pins file", path: pinsFile, option: 'pins in the MCP servers file' }] : []),
  ];
}
