/**
 * `AgentLoop`: the seed's API over the `agentRun` workflow.
 *
 * - `new AgentLoop({ kernel, model, instructions, tools })` hosts the kernel in an
 *   in-process worker for each `run()`: on the server named by `TEMPORAL_ADDRESS` (and the
 *   rest of Temporal's env-config) when set, otherwise on an embedded dev server it starts
 *   and stops itself.
 * - `new AgentLoop({ client, taskQueue, model, instructions, tools })` starts runs on a
 *   remote worker fleet (`agent-os worker`) and waits for their answers.
 *
 * Either way `kernel.submit` stays the only path to a side effect: tools are pure metadata.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, bundleWorkflowCode, type NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/index';
import type { Kernel } from '../kernel/kernel';
import { createChat, type Chat } from '../model/chat';
import { modelConfigFromEnv, type ModelConfig } from '../model/config';
import { startScriptedModel } from '../cli/scripted-model';
import type { ToolDefSpec } from '../workflows/tool-defs';
import type { AgentRunInput, AgentRunResult } from '../workflows/types';
import { connectTemporal, temporalSettings } from './connection';
import { startDevServer } from './dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from './search-attributes';
import { WORKFLOWS_PATH, createAgentWorker } from './worker';

/** What both forms share: the run's model, instructions, tools and optional narrowing. */
interface LoopCommon {
  /** Model name, e.g. `gpt-4o`. */
  readonly model?: string;
  readonly instructions?: string;
  readonly tools: readonly ToolDefSpec[];
  /** YAML of a run policy that narrows the worker's ceiling. */
  readonly policy?: string;
  readonly maxTurns?: number;
}

/** Local form: the loop hosts `kernel` itself. */
export interface LocalAgentLoopOptions extends LoopCommon, Pick<ActivityDeps, 'executor' | 'undoer'> {
  readonly kernel: Kernel;
  /** The model endpoint (default: `createChat` over OPENAI_BASE_URL / OPENAI_API_KEY). */
  readonly chat?: Chat;
  /** Overrides of the environment's model configuration. */
  readonly modelConfig?: Partial<ModelConfig>;
  /** A prebuilt workflow bundle (default: bundled once per process). */
  readonly workflowBundle?: { readonly code: string };
}

/** Remote form: runs go to workers polling `taskQueue`. */
export interface RemoteAgentLoopOptions extends LoopCommon {
  readonly client: Client;
  readonly taskQueue: string;
  /** Workspace-bound queue for fs/proc activities (scale-out). */
  readonly workspaceQueue?: string;
}

/** Options of {@link AgentLoop}. */
export type AgentLoopOptions = LocalAgentLoopOptions | RemoteAgentLoopOptions;

let sharedBundle: Promise<{ code: string }> | undefined;

/**
 * The seed's `AgentLoop`.
 * @example
 * const loop = new AgentLoop({ kernel, model: 'gpt-4o', instructions: 'You are a helpful assistant.', tools: [readFile] });
 * const output = await loop.run('Read the file /workspace/data.csv');
 */
export class AgentLoop {
  /** The full result of the last finished run (actions, usage, compensations). */
  lastResult: AgentRunResult | undefined;
  /** Workflow id of the last run. */
  lastWorkflowId: string | undefined;

  constructor(private readonly options: AgentLoopOptions) {}

  /**
   * Runs the agent on `prompt` and returns the model's final answer.
   * @throws WorkflowFailedError when the run fails (e.g. `Budget.MaxTurns`, a model failure);
   *   TemporalUnreachableError / DevServerStartError when no server can be reached or started.
   */
  async run(prompt: string): Promise<string> {
    const workflowId = `agent-loop-${randomUUID()}`;
    this.lastWorkflowId = workflowId;
    const result = 'client' in this.options
      ? await this.options.client.workflow.execute('agentRun', { taskQueue: this.options.taskQueue, workflowId, args: [this.input(prompt)] }) as AgentRunResult
      : await this.runLocal(this.options, workflowId, prompt);
    this.lastResult = result;
    return result.output;
  }

  private input(prompt: string): AgentRunInput {
    const o = this.options;
    return {
      prompt,
      tools: o.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, action: t.action, targetFrom: t.targetFrom, ...(t.params ? { params: t.params } : {}) })),
      ...(o.instructions !== undefined ? { instructions: o.instructions } : {}),
      ...(o.model !== undefined ? { model: o.model } : {}),
      ...(o.maxTurns !== undefined ? { maxTurns: o.maxTurns } : {}),
      ...(o.policy !== undefined ? { policy: o.policy } : {}),
      ...('workspaceQueue' in o && o.workspaceQueue !== undefined ? { workspaceQueue: o.workspaceQueue } : {}),
    };
  }

  private async runLocal(o: LocalAgentLoopOptions, workflowId: string, prompt: string): Promise<AgentRunResult> {
    quietRuntime();
    const server = process.env['TEMPORAL_ADDRESS'] ? undefined : await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
    let stopScripted: (() => Promise<void>) | undefined;
    try {
      const settings = temporalSettings(server ? { address: server.address, namespace: server.namespace } : {});
      const connections = await connectTemporal(settings);
      try {
        // `model: 'scripted:replies.json'`: a scripted model on loopback, so the loop runs offline.
        const scripted = o.chat === undefined && o.model?.startsWith('scripted:') ? await startScriptedModel(o.model) : undefined;
        stopScripted = scripted?.close;
        const config = scripted ? scripted.config : { ...modelConfigFromEnv(), ...o.modelConfig, ...(o.model !== undefined ? { model: o.model } : {}) };
        const worker = await createAgentWorker({
          connection: connections.native as NativeConnection,
          namespace: settings.namespace,
          taskQueue: `agent-loop-${randomUUID()}`,
          kernel: o.kernel,
          chat: o.chat ?? createChat(config),
          model: config.model,
          ...(o.executor ? { executor: o.executor } : {}),
          ...(o.undoer ? { undoer: o.undoer } : {}),
          workflowBundle: o.workflowBundle ?? (await (sharedBundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }))),
        });
        return await worker.runUntil(() =>
          connections.client.workflow.execute('agentRun', { taskQueue: worker.taskQueue, workflowId, args: [this.input(prompt)] }) as Promise<AgentRunResult>,
        );
      } finally {
        await connections.close();
        await stopScripted?.();
      }
    } finally {
      await server?.stop();
    }
  }
}

/** The in-process worker logs warnings only, unless the embedding program installed a runtime itself. */
function quietRuntime(): void {
  if (Runtime._instance !== undefined) return;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* installed concurrently: keep it */
  }
}
