/**
 * `AgentLoop`: the seed's API over the `agentRun` workflow.
 *
 * - `new AgentLoop({ kernel, model, instructions, tools })` hosts the kernel in an
 *   in-process worker: on the server named by `TEMPORAL_ADDRESS` (and the rest of
 *   Temporal's env-config) when set, otherwise on an embedded dev server. The server,
 *   connections and worker start on the first `run()` and are reused by every later run;
 *   they stop on `close()`, or by themselves once no run has been asked for
 *   `idleShutdownMs` (so a script that never calls `close()` still exits).
 * - `new AgentLoop({ client, taskQueue, model, instructions, tools })` starts runs on a
 *   remote worker fleet (`agent-os worker`) and waits for their answers.
 *
 * Either way `kernel.submit` stays the only path to a side effect: tools are pure metadata.
 * A local loop whose kernel has an `McpProvider` also offers the model that provider's tools
 * (agent-loop-mcp.ts: `server__tool`, only those the policy could allow, each call an
 * `mcp.call`); a remote loop that brings no tools gets the worker's (`agent-os worker --mcp`).
 * This file loads no Temporal module: they load on the first `run()`.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Executor } from '../activities/tool';
import type { Undoer } from '../activities/undo';
import type { Kernel } from '../kernel/kernel';
import type { Chat } from '../model/chat';
import type { ModelConfig } from '../model/config';
import type { McpToolCatalogue } from '../providers/mcp/tools';
import type { ToolDefSpec } from '../workflows/tool-defs';
import type { ActionSummary, AgentRunInput, AgentRunResult } from '../workflows/types';
import type { LoopHost } from './agent-loop-host';
import type { LoopMcpTools } from './agent-loop-mcp';
import { AgentRunFailedError } from './errors';
import { checkAgentLoopOptions } from './agent-loop-options';

// Temporal's modules load on the first run(), never on import (the package root stays Temporal-free).
/* eslint-disable @typescript-eslint/no-require-imports */
const loadRunClient = (): typeof import('./agent-run-client') => require('./agent-run-client') as typeof import('./agent-run-client');
const loadHost = (): typeof import('./agent-loop-host') => require('./agent-loop-host') as typeof import('./agent-loop-host');
// The MCP tool catalogue (and the run-policy views it uses) loads when a local loop is built, not on import.
const loadMcpTools = (): typeof import('./agent-loop-mcp') => require('./agent-loop-mcp') as typeof import('./agent-loop-mcp');
/* eslint-enable @typescript-eslint/no-require-imports */

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
export interface LocalAgentLoopOptions extends LoopCommon {
  readonly kernel: Kernel;
  /** Executes allowed actions (default: the kernel; e.g. a `ReversibleActionLayer` to make writes undoable). */
  readonly executor?: Executor;
  /** Undoes reversible actions (`layerUndoer(layer)`); without one, runs register no compensations. */
  readonly undoer?: Undoer;
  /** The model endpoint (default: `createChat` over OPENAI_BASE_URL / OPENAI_API_KEY). */
  readonly chat?: Chat;
  /** Overrides of the environment's model configuration. */
  readonly modelConfig?: Partial<ModelConfig>;
  /** A prebuilt workflow bundle (default: bundled once per process). */
  readonly workflowBundle?: { readonly code: string };
  /** Stop the server and worker this long after the last run ended with no new one (default 1,000 ms). */
  readonly idleShutdownMs?: number;
  /**
   * Offer the model the tools of the kernel's `McpProvider` that the policy (narrowed by
   * `policy`) could allow, as `server__tool` (default true). They are listed before each run;
   * `lastMcpTools` says what was offered, left out and why.
   */
  readonly mcpTools?: boolean;
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

/**
 * The seed's `AgentLoop`.
 * @example
 * const loop = new AgentLoop({ kernel, model: 'gpt-4o', instructions: 'You are a helpful assistant.', tools: [readFile] });
 * const output = await loop.run('Read the file /workspace/data.csv');
 * await loop.close();
 */
export class AgentLoop {
  /** The full result of the last successful run (actions, usage, compensations). */
  lastResult: AgentRunResult | undefined;
  /** The actions the last run took, in order — also when it failed. */
  lastActions: readonly ActionSummary[] = [];
  /** Workflow id of the last run. */
  lastWorkflowId: string | undefined;
  /** The MCP tools the last run was offered, those left out, and servers that could not be listed (local loops with an `McpProvider`). */
  lastMcpTools: McpToolCatalogue | undefined;

  private host: Promise<LoopHost> | undefined;
  private inFlight = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly mcp: LoopMcpTools | undefined;

  /** @throws AgentLoopOptionsError for an option it does not know (a misspelt `policy` would run under the whole ceiling). */
  constructor(private readonly options: AgentLoopOptions) {
    checkAgentLoopOptions(options);
    if ('kernel' in options && options.mcpTools !== false) this.mcp = new (loadMcpTools().LoopMcpTools)(options.kernel);
  }

  /**
   * Runs the agent on `prompt` and returns the model's final answer.
   * @throws AgentRunFailedError when the run fails (its message is the run's failure, e.g.
   *   `Budget.MaxTurns: …`; `actions` lists what the run did); TemporalUnreachableError /
   *   DevServerStartError when no server can be reached or started. An MCP server that cannot
   *   be listed does not throw: it offers no tools (warning `AOK_MCP_TOOLS`, `lastMcpTools.failed`).
   */
  async run(prompt: string): Promise<string> {
    const workflowId = `agent-loop-${randomUUID()}`;
    this.lastWorkflowId = workflowId;
    this.lastResult = undefined;
    this.lastActions = [];
    this.lastMcpTools = undefined;
    this.inFlight++;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    try {
      const { executeAgentRun } = loadRunClient();
      let client: Client;
      let taskQueue: string;
      let stopped: Promise<never> | undefined;
      if ('client' in this.options) {
        ({ client, taskQueue } = this.options);
      } else {
        const host = await this.localHost(this.options);
        ({ client, taskQueue, stopped } = host);
      }
      const tools = this.mcp ? await this.mcp.forRun(this.options.tools, this.options.policy) : { tools: this.options.tools };
      this.lastMcpTools = tools.mcp;
      const execution = executeAgentRun(client, this.input(prompt, tools.tools), { taskQueue, workflowId });
      try {
        const result = await (stopped ? Promise.race([execution, stopped]) : execution);
        this.lastResult = result;
        this.lastActions = result.actions;
        return result.output;
      } catch (err) {
        if (err instanceof AgentRunFailedError) this.lastActions = err.actions;
        throw err;
      }
    } finally {
      this.inFlight--;
      this.armIdleShutdown();
    }
  }

  /** Stops the server, connections and worker a local loop started (a later `run()` starts them again). Idempotent. */
  async close(): Promise<void> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const host = this.host;
    this.host = undefined;
    if (host !== undefined) await (await host.catch(() => undefined))?.close();
  }

  private localHost(o: LocalAgentLoopOptions): Promise<LoopHost> {
    if (this.host === undefined) {
      const starting = Promise.resolve().then(() => loadHost().startLoopHost(o));
      this.host = starting;
      // A host that failed to start is forgotten, so the next run tries again.
      starting.catch(() => {
        if (this.host === starting) this.host = undefined;
      });
    }
    return this.host;
  }

  private armIdleShutdown(): void {
    if (this.inFlight > 0 || this.host === undefined || 'client' in this.options) return;
    const idleMs = this.options.idleShutdownMs ?? 1_000;
    this.idleTimer = setTimeout(() => void this.close(), idleMs);
  }

  private input(prompt: string, tools: readonly ToolDefSpec[]): AgentRunInput {
    const o = this.options;
    return {
      prompt,
      tools: tools.map((t) => ({
        name: t.name,
        description: t.description,
        parameters: t.parameters,
        action: t.action,
        targetFrom: t.targetFrom,
        ...(t.params ? { params: t.params } : {}),
        ...(t.target !== undefined ? { target: t.target } : {}),
        ...(t.argumentsParam !== undefined ? { argumentsParam: t.argumentsParam } : {}),
      })),
      ...(o.instructions !== undefined ? { instructions: o.instructions } : {}),
      ...(o.model !== undefined ? { model: o.model } : {}),
      ...(o.maxTurns !== undefined ? { maxTurns: o.maxTurns } : {}),
      ...(o.policy !== undefined ? { policy: o.policy } : {}),
      ...('workspaceQueue' in o && o.workspaceQueue !== undefined ? { workspaceQueue: o.workspaceQueue } : {}),
    };
  }
}
