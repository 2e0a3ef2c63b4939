/**
 * What `agent-os worker` hosts, built from files: the kernel (ceiling policy, providers on
 * the given mounts, audit log), the reversible layer in front of it (so runs can be rolled
 * back), and the tool definitions. Kept apart from the CLI so tests and embedders build the
 * same host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActivityDeps } from '../activities/index';
import { layerUndoer } from '../activities/reversible';
import type { Executor } from '../activities/tool';
import { Kernel } from '../kernel/kernel';
import { FilesystemProvider } from '../providers/filesystem';
import { HttpProvider, type HttpProviderOptions } from '../providers/http';
import { ProcessProvider, type ProcessProviderOptions } from '../providers/process';
import type { Provider } from '../kernel/types';
import type { FreezeCheck } from '../kernel/policy-gate';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy, ReversibleActionLayer, SnapshotStore } from '../reversible/index';
import type { ToolDefSpec } from '../workflows/tool-defs';
import { loadToolsFile } from './tools-file';

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
  /** Options of the HTTP provider (credentials, allowed local addresses, limits). */
  readonly http?: HttpProviderOptions;
  /** Options of the process provider besides its mounts (PATH, limits, hardening). */
  readonly process?: Omit<ProcessProviderOptions, 'mounts'>;
  /** Further providers (custom actions), after the built-in ones. */
  readonly providers?: readonly Provider[];
  /** An emergency stop the kernel asks before every decision. */
  readonly freeze?: FreezeCheck;
}

/** A kernel with its layer and tools; `close()` closes the kernel (flushing its log). */
export interface WorkerHost extends Pick<ActivityDeps, 'kernel' | 'executor' | 'undoer'> {
  readonly kernel: Kernel;
  readonly tools: readonly ToolDefSpec[];
  close(): Promise<void>;
}

/**
 * Loads the policy and tools and builds the kernel and layer.
 * @throws PolicyValidationError / PolicyFileError, ToolsFileError, FsInvalidMountError.
 * @example
 * const host = buildWorkerHost({ policyFile: 'policy.yaml', toolsFile: 'tools.yaml', mounts: { '/workspace': '/srv/ws' }, logPath: 'kernel.log', snapshotsDir: '.snapshots' });
 */
export function buildWorkerHost(options: WorkerHostOptions): WorkerHost {
  const kernel = new Kernel({
    policy: options.policyFile,
    providers: [
      new FilesystemProvider({ mounts: options.mounts }),
      new ProcessProvider({ ...options.process, mounts: options.mounts }),
      new HttpProvider(options.http),
      ...(options.providers ?? []),
    ],
    logPath: options.logPath,
    ...(options.freeze ? { freeze: options.freeze } : {}),
  });
  try {
    const tools = options.toolsFile === undefined ? [] : loadToolsFile(options.toolsFile, { actions: kernel.actions });
    fs.mkdirSync(options.snapshotsDir, { recursive: true });
    const strategies = [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()];
    const store = new SnapshotStore(path.resolve(options.snapshotsDir));
    const layer = new ReversibleActionLayer({ kernel, strategies, store });
    const layered = (k: Kernel, l: ReversibleActionLayer): Executor => ({
      submit: (request, submitOptions) => l.submit(request, submitOptions),
      // A run with its own policy: the same store and strategies over the narrowed kernel.
      forKernel: (view) => layered(view, new ReversibleActionLayer({ kernel: view, strategies, store })),
    });
    return { kernel, tools, executor: layered(kernel, layer), undoer: layerUndoer(layer), close: () => kernel.close() };
  } catch (err) {
    void kernel.close();
    throw err;
  }
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
