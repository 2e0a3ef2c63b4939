/**
 * Who answered an approval, as Temporal recorded it: the identity of the client that sent
 * the `approve` update, read from the run's history (the update's accepted event). The
 * name typed into the update is the caller's claim; this is what the server saw. Whether
 * that identity is authenticated is the server's job (mTLS or API keys plus an authorizer,
 * docs/usage.md).
 */
import { Context } from '@temporalio/activity';

/** Identity recorded when the identity cannot be looked up (the record then says why). */
export const UNKNOWN_IDENTITY = 'unknown';

/**
 * The identity Temporal recorded for the caller of update `updateId` of the current
 * activity's workflow run. Never throws: `unknown (…why…)` when it cannot be found.
 */
export async function updateCallerIdentity(updateId: string): Promise<string> {
  try {
    const context = Context.current();
    const run = context.info.workflowExecution;
    if (run === undefined) return `${UNKNOWN_IDENTITY} (not called from a workflow)`;
    const history = await context.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const meta = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta;
      if (meta?.updateId === updateId)
        return typeof meta.identity === 'string' && meta.identity !== '' ? meta.identity : `${UNKNOWN_IDENTITY} (the update carried no identity)`;
    }
    return `${UNKNOWN_IDENTITY} (update ${updateId} not found in the run's history)`;
  } catch (err) {
    return `${UNKNOWN_IDENTITY} (history not readable: ${err instanceof Error ? err.message : String(err)})`;
  }
}
