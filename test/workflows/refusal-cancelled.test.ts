/**
 * Steps that wait for a worker when their run is cancelled (every activity slot of the worker
 * busy, held here by another run's step):
 * - a `recordRefusal` step (a person refused the call's approval) was cancelled with the run
 *   and the refused call had no record at all; now the step is not cancelled
 *   (Patch.RecordRefusalsWhenCancelled): the record is written once a slot frees, then the
 *   cancellation goes on;
 * - an approved call's `executeAction` step was cancelled while no attempt of it ran, and the
 *   kernel never saw the cancellation; now the call is recorded as `UNKNOWN` (an earlier attempt
 *   may have run it: the server does not say) (Patch.RecordUnstartedCalls).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import type { ReceivedRequest, ScriptStep } from '../../src/dev/scripted-server';
import type { AgentActivities } from '../../src/activities/index';
import { agentRun } from '../../src/workflows/agent-run';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { maybeRecordHistory } from '../helpers/record-history';
import { waitFor } from '../helpers/poll';
import { temporal, uniqueId } from '../helpers/temporal';
import { readLog } from '../kernel/kernel-helpers';
import { createGate } from '../helpers/workspace-snapshot';

const POLICY = `${AGENT_POLICY}ask:
  - id: ask-deploy
    action: fs.write
    resource: /workspace/deploy/**
`;

/** Run "hold" reads a file (its step is held open); run "deploy" writes where a person must approve. */
const script = (request: ReceivedRequest): ScriptStep => {
  if (request.messages.some((m) => m.role === 'tool')) return { reply: { content: 'done' } };
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  return prompt === 'hold'
    ? { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/hold.txt' } }] } }
    : { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/deploy/app.conf', content: 'replicas: 0' } }] } };
};

/**
 * Starts run "deploy" and waits for its approval; has run "hold" take the worker's only activity
 * slot; answers the approval (`allow`); waits until the run schedules `step` (which now waits for
 * the slot); cancels the run and waits until a workflow task has taken the cancellation in;
 * frees the slot. Returns how the run ended, after the holder finished.
 */
async function cancelWhileQueued(
  allow: boolean,
  step: string,
  record: string,
): Promise<{ records: Record<string, unknown>[]; ended: unknown; written: boolean }> {
  const gate = createGate();
  let holding = false;
  const hold = (inner: AgentActivities): AgentActivities => ({
    ...inner,
    async executeAction(input) {
      if (input.request.target === '/workspace/hold.txt') {
        holding = true;
        await gate.passed;
      }
      return inner.executeAction(input);
    },
  });
  const options = { policy: POLICY, files: { 'hold.txt': 'H' }, script, wrapActivities: hold, workerOptions: { maxConcurrentActivityTaskExecutions: 1 } };
  return withAgentBench(options, async (bench, { client }) => {
    const workflowId = uniqueId(record);
    const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'deploy', tools: FILE_TOOLS }] });
    await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
    const holder = await client.workflow.start(agentRun, {
      taskQueue: bench.taskQueue,
      workflowId: uniqueId('hold'),
      args: [{ prompt: 'hold', tools: FILE_TOOLS }],
    });
    await waitFor(() => holding, "the holding run's step in the only activity slot");
    await handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow, approver: 'ops', reason: 'decided' }] });
    await waitFor(async () => {
      const history = await handle.fetchHistory();
      return (history.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === step);
    }, `the ${step} step scheduled (and waiting: the slot is taken)`);
    await handle.cancel();
    // A workflow task completed after the cancellation (before the fixes, that task cancelled the queued step).
    await waitFor(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const at = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
      return at >= 0 && events.slice(at).some((e) => e.workflowTaskCompletedEventAttributes);
    }, 'a workflow task completed after the cancellation');
    gate.open();
    const ended = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((await holder.result()).output, 'done');
    maybeRecordHistory((await temporal()).address, workflowId, record);
    return { records: readLog(bench.logPath), ended, written: fs.existsSync(path.join(bench.workspace, 'deploy', 'app.conf')) };
  });
}

function assertCancelled(err: unknown): void {
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `expected a cancelled run, got ${String(err)}`);
}

/** Records as [action, status, code], for messages. */
function described(records: readonly Record<string, unknown>[]): string {
  return JSON.stringify(records.map((r) => [r['action'], r['status'], r['code']]));
}

describe('steps waiting for a worker when their run is cancelled', () => {
  test('run cancelled while the refusal of its refused approval waits for a worker slot → the refusal is still recorded, then the run ends cancelled', async () => {
    const { records, ended } = await cancelWhileQueued(false, 'recordRefusal', 'agent-run-refusal-cancelled');
    assertCancelled(ended);
    const refused = records.filter((r) => r['code'] === 'Kernel.ApprovalRefused');
    assert.equal(refused.length, 1, `one record of the refused call: ${described(records)}`);
    assert.equal(refused[0]?.['target'], '/workspace/deploy/app.conf');
  });

  test('run cancelled while its approved call waits for a worker slot → the call is recorded (UNKNOWN: no attempt was running), nothing written, the run ends cancelled', async () => {
    const { records, ended, written } = await cancelWhileQueued(true, 'executeAction', 'agent-run-unstarted-cancelled');
    assertCancelled(ended);
    const deploy = records.filter((r) => r['target'] === '/workspace/deploy/app.conf');
    assert.deepEqual(
      deploy.map((r) => [r['status'], r['code']]),
      [['UNKNOWN', 'Kernel.OutcomeUnknown']],
      `one record of the approved call that never ran: ${described(records)}`,
    );
    assert.match(String(deploy[0]?.['error']), /the run stopped while no attempt of this call was running/);
    assert.equal(written, false, 'nothing was written');
  });
});

describe('a call whose step was retried when its run is cancelled', () => {
  test('run cancelled while an executeAction whose first attempt ran (and was recorded) waits for its retry → not recorded as "not run" (DENIED) on top of what ran', async () => {
    // The server answers ACTIVITY_ID_NOT_STARTED for an activity between two attempts too:
    // the first ran the kernel (the file is written, the call recorded), then the attempt failed.
    const hold = (inner: AgentActivities): AgentActivities => ({
      ...inner,
      async executeAction(input) {
        const out = await inner.executeAction(input);
        if (input.request.target === '/workspace/output/report.md' && Context.current().info.attempt === 1) {
          throw ApplicationFailure.create({ message: 'the attempt failed after its submit (a worker lost, a heartbeat missed)', nextRetryDelay: '1 hour' });
        }
        return out;
      },
    });
    const write = (request: ReceivedRequest): ScriptStep =>
      request.messages.some((m) => m.role === 'tool')
        ? { reply: { content: 'done' } }
        : { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.md', content: 'written' } }] } };
    await withAgentBench({ script: write, wrapActivities: hold }, async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('retried-cancelled'),
        args: [{ prompt: 'write', tools: FILE_TOOLS }],
      });
      await waitFor(async () => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        return pending.some((a) => a.activityType?.name === 'executeAction' && (a.attempt ?? 0) >= 2);
      }, 'the step waiting for its second attempt');
      await handle.cancel();
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `expected a cancelled run, got ${String(err)}`);
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'report.md'), 'utf8'), 'written', 'the first attempt wrote the file');
      const records = readLog(bench.logPath).filter((r) => r['target'] === '/workspace/output/report.md');
      assert.equal(records[0]?.['status'], 'OK', 'the first attempt is recorded');
      assert.deepEqual(
        records.map((r) => r['status']),
        ['OK', 'UNKNOWN'],
        `no record says the call did not run: ${JSON.stringify(records.map((r) => [r['status'], r['code'], r['reason']]))}`,
      );
    });
  });
});
