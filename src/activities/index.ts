/**
 * `createActivities`: every activity the agent workflows use, built from real
 * dependencies (a kernel, a chat function) so tests pass local ones instead of patching.
 */
import type { Kernel } from '../kernel/kernel';
import type { Chat } from '../model/chat';
import { createModelActivities } from './model';
import { createToolActivities, type Executor } from './tool';

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
}

/**
 * Builds the activities object to register on a worker.
 * @example
 * const worker = await Worker.create({ taskQueue, workflowsPath, activities: createActivities({ kernel, chat, model: 'gpt-4o' }) });
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createModelActivities(deps.chat),
    ...createToolActivities(deps.kernel, deps.executor ?? deps.kernel),
    /** What the run records in its search attributes and memo. */
    async workerInfo(): Promise<{ policyHash: string; model: string }> {
      return { policyHash: deps.kernel.policyHash, model: deps.model };
    },
  };
}

/** The activities' type, for `proxyActivities<AgentActivities>()` in workflow code. */
export type AgentActivities = ReturnType<typeof createActivities>;
