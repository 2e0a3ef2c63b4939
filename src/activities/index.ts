/**
 * `createActivities`: every activity the agent workflows use, built from real
 * dependencies (a kernel, a chat function, a reversible layer) so tests pass local ones
 * instead of patching modules.
 */
import type { Kernel } from '../kernel/kernel';
import type { ActionRequest } from '../kernel/types';
import type { Chat } from '../model/chat';
import type { ToolDefSpec } from '../workflows/tool-defs';
import { createModelActivities } from './model';
import { schemaProblem } from './schema-check';
import { RunPolicyViews } from './run-policy';
import { runPolicyRef } from './run-policy-ref';
import { createToolActivities, type Executor } from './tool';
import { createUndoActivities, type Undoer } from './undo';

/** Worker-side caps of every run's budgets (a run may ask for less, never more). */
export interface WorkerLimits {
  readonly maxTurns: number;
  readonly maxToolCalls: number;
  readonly maxModelTokens: number;
  readonly maxBytesWritten: number;
  /** Longest allowed run deadline in milliseconds. */
  readonly maxDeadlineMs: number;
}

/** Defaults for {@link WorkerLimits}. */
export const DEFAULT_WORKER_LIMITS: WorkerLimits = {
  maxTurns: 100,
  maxToolCalls: 1_000,
  maxModelTokens: 2_000_000,
  maxBytesWritten: 100 * 1024 * 1024,
  maxDeadlineMs: 24 * 60 * 60 * 1000,
};

/** Dependencies of the activities. */
export interface ActivityDeps {
  /** The worker's kernel: its policy is the ceiling for every run. */
  readonly kernel: Kernel;
  /** The model endpoint. */
  readonly chat: Chat;
  /** Default model name reported in the run's search attributes. */
  readonly model: string;
  /** Executes allowed actions (default: the kernel; the reversible layer adds undo). */
  readonly executor?: Executor;
  /** Undoes reversible actions (the reversible layer). Without one, runs register no compensations. */
  readonly undoer?: Undoer;
  /** Caps of every run's budgets. */
  readonly limits?: Partial<WorkerLimits>;
  /** Tools the worker offers runs that bring none (from `agent-os worker --tools FILE`). */
  readonly tools?: readonly ToolDefSpec[];
  /**
   * The operator's declaration of idempotent requests among those otherwise at-most-once
   * (`mcp.call`): only these are run again when an activity is retried. For MCP:
   * `(r) => r.action === 'mcp.call' && mcp.isIdempotent(r.target)`.
   */
  readonly isIdempotent?: (request: ActionRequest) => boolean;
}

/** What a run learns about its worker at start. */
export interface WorkerInfo {
  readonly policyHash: string;
  readonly model: string;
  readonly limits: WorkerLimits;
  /** Actions whose effects can be undone (compensations are registered for these). */
  readonly reversibleActions: readonly string[];
  /** The worker's default tools (used when a run's input has none). */
  readonly tools: readonly ToolDefSpec[];
  /** Why the run's own policy cannot be used (the run then fails with `Run.InvalidPolicy`). */
  readonly runPolicyProblem?: string;
  /**
   * The reference (`sha256:…`) the run's recorded steps carry instead of its policy text
   * (run-policy-ref.ts). Absent without a run policy, and in runs whose `workerInfo` was
   * answered by an older release: those keep sending the text.
   */
  readonly runPolicyRef?: string;
  /** What is wrong with the run's tool definitions (invalid parameter schemas): the run fails with `Run.InvalidInput`. */
  readonly toolsProblems?: readonly string[];
}

/**
 * Builds the activities object to register on a worker.
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities({ kernel, chat, model: 'gpt-4o' }) });
 */
export function createActivities(deps: ActivityDeps) {
  const limits: WorkerLimits = { ...DEFAULT_WORKER_LIMITS, ...deps.limits };
  const views = new RunPolicyViews(deps.kernel);
  return {
    ...createModelActivities(deps.chat),
    ...createToolActivities(deps.kernel, deps.executor ?? deps.kernel, views, deps.isIdempotent),
    ...createUndoActivities(deps.undoer),
    /**
     * What the run records in its search attributes and memo, and the worker's caps. With
     * a run policy, `policyHash` covers both layers, and an invalid run policy is reported
     * so the run can fail at once instead of failing every action.
     */
    async workerInfo(input: { readonly runPolicy?: string; readonly tools?: readonly ToolDefSpec[] } = {}): Promise<WorkerInfo> {
      const run = views.get(input.runPolicy);
      const toolsProblems = (input.tools ?? []).flatMap((tool, i) => {
        const problem = schemaProblem(tool.parameters);
        return problem === undefined ? [] : [`tools[${i}].parameters: not a valid JSON Schema (${problem}); expected a JSON Schema object of the arguments`];
      });
      return {
        ...(toolsProblems.length > 0 ? { toolsProblems } : {}),
        policyHash: run.ok ? run.kernel.policyHash : deps.kernel.policyHash,
        model: deps.model,
        limits,
        reversibleActions: deps.undoer?.actions ?? [],
        tools: deps.tools ?? [],
        ...(run.ok ? {} : { runPolicyProblem: run.reason }),
        ...(run.ok && typeof input.runPolicy === 'string' ? { runPolicyRef: runPolicyRef(input.runPolicy) } : {}),
      };
    },
  };
}

/** The activities' type, for `proxyActivities<AgentActivities>()` in workflow code. */
export type AgentActivities = ReturnType<typeof createActivities>;
