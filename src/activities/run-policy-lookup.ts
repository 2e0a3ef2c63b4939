/**
 * Where an activity finds a run's policy when a step carries only its reference (the run
 * policy travels once, run-policy-ref.ts): in the run's own history. The first event of
 * every run — also of each run after a continue-as-new, which carries its whole input on —
 * is its start, whose input holds the policy text. So any worker can find it: a cold one, one
 * restarted mid-run, a workspace host that never saw the run start. The payload is decoded
 * with the worker's own data converter (the codec when keys are configured).
 */
import { Context } from '@temporalio/activity';
import { isGrpcServiceError } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { clientCodec } from '../codec/client-codec';
import { StartPolicyUnreadable } from './start-policy-unreadable';

/** gRPC answers that mean "not here and not for you", as opposed to a server that is briefly away. */
const FINAL = new Set<number>([
  3, // INVALID_ARGUMENT
  5, // NOT_FOUND
  7, // PERMISSION_DENIED
  9, // FAILED_PRECONDITION
  16, // UNAUTHENTICATED
]);

/**
 * The default {@link FetchStartPolicy}: one page of one event from the server, through the
 * worker's client (its connection, namespace and data converter).
 * @throws StartPolicyUnreadable when the history cannot be read or decoded here for good;
 *   anything else (a transient server error) is thrown as is, and the activity is retried.
 */
export async function startInputPolicy(): Promise<unknown> {
  const context = Context.current();
  const run = context.info.workflowExecution;
  if (run === undefined) throw new StartPolicyUnreadable('the activity was not called from a workflow run');
  let events;
  const namespace = context.info.workflowNamespace ?? context.client.options.namespace;
  try {
    const response = await context.client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
      maximumPageSize: 1,
    });
    events = response.history?.events ?? [];
  } catch (err) {
    if (isGrpcServiceError(err) && FINAL.has(err.code))
      throw new StartPolicyUnreadable(`the run's history is not readable by this worker: ${err.details || err.message}`);
    throw err;
  }
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new StartPolicyUnreadable(`the first event of run ${run.workflowId}/${run.runId} is not its start`);
  const [payload] = started.input?.payloads ?? [];
  if (!payload) return undefined;
  let input: unknown;
  try {
    // Read for this run's workflow: a start input moved in from another workflow is refused (Codec.Misplaced).
    const [decoded] = await clientCodec(context.client.workflow).decode([payload as Payload], { type: 'workflow', namespace, workflowId: run.workflowId });
    input = context.client.workflow.options.loadedDataConverter.payloadConverter.fromPayload(decoded as Payload);
  } catch (err) {
    // A codec error names the key id (Codec.NoKeys, Codec.UnknownKey, Codec.Tampered, …).
    throw new StartPolicyUnreadable(`the run's start input cannot be decoded here: ${err instanceof Error ? err.message : String(err)}`);
  }
  return typeof input === 'object' && input !== null ? (input as { policy?: unknown }).policy : undefined;
}
