/**
 * What a local {@link AgentLoop} runs on: one Temporal server (the one named by
 * `TEMPORAL_ADDRESS` and the rest of Temporal's env-config, or an embedded dev server),
 * one pair of connections and one agent worker hosting the loop's kernel — started on the
 * loop's first `run()` and shared by all its runs. Loaded lazily, so importing the package
 * root loads no Temporal module.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { CODEC_FAILURE_CONVERTER_PATH } from '../codec/data-converter';
import { startDevServer, type DevServer } from '../dev/dev-server';
import { SCRIPTED_PREFIX, startScriptedModel } from '../dev/scripted-model';
import { createChat } from '../model/chat';
import { modelConfigFromEnv } from '../model/config';
import { McpProvider } from '../providers/mcp/provider';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../worker/search-attributes';
import { WORKFLOWS_PATH, createAgentWorker } from '../worker/worker';
import type { LocalAgentLoopOptions } from './agent-loop';
import { connectTemporal, temporalSettings, type TemporalConnections } from './connection';

/** A running host: a client, the worker's queue, and a way to stop it all. */
export interface LoopHost {
  readonly client: Client;
  readonly taskQueue: string;
  /** Rejects when the worker stops on its own (a fatal worker error). */
  readonly stopped: Promise<never>;
  close(): Promise<void>;
}

let sharedBundle: Promise<{ code: string }> | undefined;
let sharedCodecBundle: Promise<{ code: string }> | undefined;

/** The workflows bundled once per process (with the codec's failure converter when keys are configured). */
function bundle(failureConverterPath?: string): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN'), ...(failureConverterPath ? { failureConverterPath } : {}) });
}

/**
 * Starts the server (when needed), the connections and the worker. Loaded lazily by `AgentLoop` (a `require`, which knip cannot follow).
 * @public
 * @throws TemporalUnreachableError, DevServerStartError, or what `Worker.create` throws (everything started is stopped first).
 */
export async function startLoopHost(o: LocalAgentLoopOptions): Promise<LoopHost> {
  quietRuntime();
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    let server: DevServer | undefined;
    if (!process.env['TEMPORAL_ADDRESS']) {
      const started = await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
      server = started;
      cleanups.push(() => started.stop());
    }
    const settings = temporalSettings(server ? { address: server.address, namespace: server.namespace } : {});
    const connections: TemporalConnections = await connectTemporal(settings);
    cleanups.push(() => connections.close());
    // `model: 'scripted:replies.json'`: a scripted model on loopback, so the loop runs offline.
    const scripted = o.chat === undefined && o.model?.startsWith(SCRIPTED_PREFIX) ? await startScriptedModel(o.model) : undefined;
    if (scripted) cleanups.push(() => scripted.close());
    const config = scripted ? scripted.config : { ...modelConfigFromEnv(), ...o.modelConfig, ...(o.model !== undefined ? { model: o.model } : {}) };
    // Only the tools the operator declared idempotent are retried; every other MCP call is at-most-once.
    const mcpProvider = o.kernel.providerFor('mcp.call');
    const mcp = mcpProvider instanceof McpProvider ? mcpProvider : undefined;
    const worker = await createAgentWorker({
      connection: connections.native,
      namespace: settings.namespace,
      taskQueue: `agent-loop-${randomUUID()}`,
      kernel: o.kernel,
      chat: o.chat ?? createChat(config),
      model: config.model,
      ...(o.executor ? { executor: o.executor } : {}),
      ...(o.undoer ? { undoer: o.undoer } : {}),
      ...(mcp ? { isIdempotent: (r: { action: string; target: string }) => r.action === 'mcp.call' && mcp.isIdempotent(r.target) } : {}),
      ...(settings.codecKeys ? { codecKeys: settings.codecKeys } : {}),
      workflowBundle:
        o.workflowBundle ?? (await (settings.codecKeys ? (sharedCodecBundle ??= bundle(CODEC_FAILURE_CONVERTER_PATH)) : (sharedBundle ??= bundle()))),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    const stopped = running.then(
      () => Promise.reject(new Error('the AgentLoop worker stopped')),
      (err: unknown) => Promise.reject(err instanceof Error ? err : new Error(String(err))),
    );
    stopped.catch(() => undefined);
    return { client: connections.client, taskQueue: worker.taskQueue, stopped, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The in-process worker logs warnings only, unless the embedding program installed a runtime itself. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* the program installed (or already used) a runtime: keep it */
  }
}
