/**
 * An agent test bench: a temporary workspace mounted at /workspace, a real kernel with a
 * policy, a scripted OpenAI-compatible model on loopback and a real worker on the dev server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createActivities, type AgentActivities, type WorkerLimits } from '../../src/activities/index';
import { FILE_TOOLS as STANDARD_FILE_TOOLS } from '../../src/client/file-tools';
import { layerUndoer } from '../../src/activities/reversible';
import { WORKER_HEARTBEAT_OPTIONS } from '../../src/activities/heartbeat';
import type { Executor } from '../../src/activities/tool';
import type { Undoer } from '../../src/activities/undo';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { Kernel } from '../../src/kernel/kernel';
import type { Provider } from '../../src/kernel/types';
import { createChat } from '../../src/model/chat';
import { ScriptedModelServer, type Script } from '../../src/dev/scripted-server';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { ProcessProvider } from '../../src/providers/process';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { uniqueId, withWorker, type TestTemporal } from './temporal';

/** A policy for agent tests: read the workspace, write its output folder, nothing else. */
export const AGENT_POLICY = `
version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
  - id: write-output
    action: fs.write
    resource: /workspace/output/**
`;

/** The usual tools: read_file and write_file. */
export const FILE_TOOLS: readonly ToolDefSpec[] = STANDARD_FILE_TOOLS;

/** A tool that runs a program (proc.exec), with optional arguments and working folder. */
export const RUN_TOOL: ToolDefSpec = {
  name: 'run',
  description: 'Run a program.',
  parameters: {
    type: 'object',
    properties: { program: { type: 'string' }, args: { type: 'array', items: { type: 'string' } }, cwd: { type: 'string' } },
    required: ['program'],
  },
  action: 'proc.exec',
  targetFrom: 'program',
};

/** Two ask rules for `touch`, told apart by their working folder (staging/ and prod/). */
export const STAGING_PROD_ASK = `
ask:
  - id: ask-staging
    action: proc.exec
    resource: touch
    constraint: { cwd: /workspace/staging/**, args: ['*'] }
  - id: ask-prod
    action: proc.exec
    resource: touch
    constraint: { cwd: /workspace/prod/**, args: ['*'] }
`;

export interface AgentBench {
  readonly workspace: string;
  readonly model: ScriptedModelServer;
  readonly kernel: Kernel;
  readonly taskQueue: string;
  readonly logPath: string;
  /** The reversible layer, when the bench was built with `reversible: true`. */
  readonly layer?: ReversibleActionLayer;
}

/** Options of {@link withAgentBench}. */
export interface AgentBenchOptions {
  readonly script: Script;
  readonly policy?: string;
  readonly files?: Record<string, string | Buffer>;
  /** Execute through a reversible layer and register compensations. */
  readonly reversible?: boolean;
  /** Wraps the executor (e.g. to hold a write in flight behind a gate). */
  readonly wrapExecutor?: (inner: Executor) => Executor;
  /** Wraps the undoer of a reversible bench (e.g. to make compensations fail). */
  readonly wrapUndoer?: (inner: Undoer) => Undoer;
  readonly limits?: Partial<WorkerLimits>;
  /** Also mount the workspace into a ProcessProvider (proc.exec). */
  readonly processes?: boolean;
  /** Further providers (e.g. an McpProvider). */
  readonly providers?: readonly Provider[];
  /** Wraps the activities the worker registers (e.g. to make `decideAction` fail). */
  readonly wrapActivities?: (inner: AgentActivities) => AgentActivities;
  /** Worker settings (e.g. one activity slot, to keep a step queued). */
  readonly workerOptions?: { readonly maxConcurrentActivityTaskExecutions?: number };
}

/** Runs `fn` with a fresh workspace, kernel, scripted model and worker; cleans up afterwards. */
export async function withAgentBench<T>(options: AgentBenchOptions, fn: (bench: AgentBench, t: TestTemporal) => Promise<T>): Promise<T> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-bench-'));
  const workspace = path.join(root, 'ws');
  fs.mkdirSync(workspace);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(workspace, name), content);
  }
  const policyFile = path.join(root, 'policy.yaml');
  fs.writeFileSync(policyFile, options.policy ?? AGENT_POLICY);
  const logPath = path.join(root, 'kernel.log');
  const mounts = { '/workspace': workspace };
  const providers = [new FilesystemProvider({ mounts }), ...(options.processes ? [new ProcessProvider({ mounts })] : []), ...(options.providers ?? [])];
  const kernel = new Kernel({ policy: policyFile, providers, logPath });
  const model = await ScriptedModelServer.start(options.script);
  const taskQueue = uniqueId('agent');
  const layer = options.reversible
    ? new ReversibleActionLayer({
        kernel,
        strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
        store: new SnapshotStore(path.join(root, 'snapshots')),
      })
    : undefined;
  const inner: Executor = layer ?? kernel;
  try {
    const built = createActivities({
      kernel,
      chat: createChat({ baseURL: model.baseURL, apiKey: 'test', model: 'scripted' }),
      model: 'scripted',
      executor: options.wrapExecutor ? options.wrapExecutor(inner) : inner,
      ...(layer ? { undoer: options.wrapUndoer ? options.wrapUndoer(layerUndoer(layer)) : layerUndoer(layer) } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    const activities = options.wrapActivities ? options.wrapActivities(built) : built;
    return await withWorker({ taskQueue, activities, ...WORKER_HEARTBEAT_OPTIONS, ...options.workerOptions }, (t) =>
      fn({ workspace, model, kernel, taskQueue, logPath, ...(layer ? { layer } : {}) }, t),
    );
  } finally {
    await model.close();
    await kernel.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
