/**
 * Everything the demo needs next to a Temporal server: a temporary workspace mounted at
 * /workspace, a kernel with the demo policy and an audit log, the reversible layer (so a
 * failed run's writes are undone), a model (the scripted demo model unless one is
 * configured), and a worker polling the demo's task queue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { codecDataConverter } from '../codec/data-converter';
import { keyRingFromEnv, type KeyRing } from '../codec/key-ring';
import { layerUndoer } from '../activities/reversible';
import { Kernel } from '../kernel/kernel';
import { createChat } from '../model/chat';
import type { ModelConfig } from '../model/config';
import { ScriptedModelServer } from './scripted-server';
import { FilesystemProvider } from '../providers/filesystem';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy, ReversibleActionLayer, SnapshotStore } from '../reversible/index';
import { createAgentWorker } from '../worker/worker';
import { agentRun } from '../workflows/agent-run';
import { DEMO_FILES, DEMO_POLICY, demoRunInput, demoScript } from './demo';

/** Options of {@link startDemoStack}. */
export interface DemoStackOptions {
  /** gRPC address of the Temporal server, e.g. `127.0.0.1:7233`. */
  readonly address: string;
  readonly namespace?: string;
  /** Task queue of the demo worker (default `agent-os-demo`). */
  readonly taskQueue?: string;
  /** A real model endpoint; the scripted demo model when absent. */
  readonly model?: ModelConfig;
  /** A prebuilt workflow bundle (default: bundle `dist/src/workflows` at start). */
  readonly workflowBundle?: { readonly code: string };
  /** Payload codec keys (default: AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS; none: plaintext). */
  readonly codecKeys?: KeyRing;
}

/** A running demo stack. */
export interface DemoStack {
  readonly client: Client;
  readonly taskQueue: string;
  /** Host folder mounted at /workspace. */
  readonly workspace: string;
  /** The kernel's JSONL audit log. */
  readonly auditLog: string;
  /** `scripted` or the configured model name. */
  readonly modelName: string;
  /** True when the scripted demo model answers. */
  readonly scripted: boolean;
  /** Starts one demo run with the given workflow id. */
  startRun(workflowId: string): Promise<WorkflowHandleWithFirstExecutionRunId>;
  /** Stops the worker, closes connections and the kernel, removes the workspace. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the demo's workspace, kernel, model and worker against a running server.
 * @throws whatever connecting or creating the worker throws (everything started is closed first).
 * @example
 * const stack = await startDemoStack({ address: server.address });
 * const handle = await stack.startRun(`demo-${Date.now()}`);
 * await stack.close();
 */
export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-demo-'));
  const workspace = path.join(root, 'workspace');
  for (const [name, content] of Object.entries(DEMO_FILES)) {
    fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(workspace, name), content);
  }
  const policyFile = path.join(root, 'policy.yaml');
  fs.writeFileSync(policyFile, DEMO_POLICY);
  const auditLog = path.join(root, 'kernel.log');
  const cleanups: Array<() => Promise<unknown> | void> = [() => fs.rmSync(root, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    const kernel = new Kernel({ policy: policyFile, providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })], logPath: auditLog });
    cleanups.push(() => kernel.close());
    let config = options.model;
    if (config === undefined) {
      const server = await ScriptedModelServer.start(demoScript());
      cleanups.push(() => server.close());
      config = { baseURL: server.baseURL, apiKey: 'demo', model: 'scripted' };
    }
    // Writes and deletes go through the reversible layer, so a failed run's saga can undo them.
    const layer = new ReversibleActionLayer({
      kernel,
      strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
      store: new SnapshotStore(path.join(root, 'snapshots')),
    });
    const namespace = options.namespace ?? 'default';
    const nativeConnection = await NativeConnection.connect({ address: options.address });
    cleanups.push(() => nativeConnection.close());
    const connection = await Connection.connect({ address: options.address });
    cleanups.push(() => connection.close());
    const taskQueue = options.taskQueue ?? 'agent-os-demo';
    const codecKeys = options.codecKeys ?? keyRingFromEnv();
    const worker = await createAgentWorker({
      connection: nativeConnection,
      namespace,
      taskQueue,
      kernel,
      chat: createChat(config),
      model: config.model,
      executor: layer,
      undoer: layerUndoer(layer),
      ...(codecKeys ? { codecKeys } : {}),
      ...(options.workflowBundle ? { workflowBundle: { code: options.workflowBundle.code } } : {}),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    const client = new Client({ connection, namespace, dataConverter: codecDataConverter(codecKeys) });
    let closed: Promise<void> | undefined;
    return {
      client,
      taskQueue,
      workspace,
      auditLog,
      modelName: config.model,
      scripted: options.model === undefined,
      startRun: (workflowId) => client.workflow.start(agentRun, { taskQueue, workflowId, args: [demoRunInput()] }),
      close: () => (closed ??= close()),
    };
  } catch (err) {
    await close();
    throw err;
  }
}
