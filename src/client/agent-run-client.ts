/**
 * Starting an agent run and waiting for its answer, from a client: the workflow is started
 * by its function reference, and a failed run's error carries the run's own failure message
 * and the actions it took (asked from the run by the `state` query).
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { agentRun } from '../workflows/agent-run';
import { stateQuery } from '../workflows/messages';
import type { AgentRunInput, AgentRunResult, AgentRunState } from '../workflows/types';
import { AgentRunFailedError } from './errors';

/** Where and as what to start the run. */
export interface ExecuteAgentRunOptions {
  readonly taskQueue: string;
  readonly workflowId: string;
}

/**
 * Starts `agentRun` and waits for its result.
 * @throws AgentRunFailedError when the run fails (its message is the run's failure; `actions` lists what it did);
 *   other client errors (e.g. the server is unreachable) unchanged.
 * @example
 * const result = await executeAgentRun(client, { prompt: 'Summarise /workspace/data.csv' }, { taskQueue: 'agent-os', workflowId: 'report-1' });
 */
export async function executeAgentRun(client: Client, input: AgentRunInput, options: ExecuteAgentRunOptions): Promise<AgentRunResult> {
  const handle = await client.workflow.start(agentRun, { taskQueue: options.taskQueue, workflowId: options.workflowId, args: [input] });
  try {
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const state: Partial<AgentRunState> = await handle.query(stateQuery).catch(() => ({}));
    throw new AgentRunFailedError(
      options.workflowId,
      runFailure(err),
      { actions: state.actions ?? [], compensations: state.compensations ?? [] },
      { cause: err },
    );
  }
}

/** The run's own failure: the first failure in the cause chain that has a type (an ApplicationFailure). */
function runFailure(err: WorkflowFailedError): { type?: string; message: string } {
  for (let e: unknown = err.cause; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return { type, message: e.message };
  }
  return { message: err.cause?.message ?? err.message };
}
