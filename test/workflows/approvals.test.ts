import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { activitySummaries } from '../helpers/history';
import { maybeRecordHistory } from '../helpers/record-history';
import { temporal, uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';
import { readLog } from '../kernel/kernel-helpers';

const POLICY = `${AGENT_POLICY}
ask:
  - id: ask-deploy
    action: fs.write
    resource: /workspace/deploy/**
`;
const deployWrite: ScriptStep = {
  reply: { toolCalls: [{ id: 'call_deploy', name: 'write_file', arguments: { path: '/workspace/deploy/app.conf', content: 'replicas: 3' } }] },
};
const done: ScriptStep = { reply: { content: 'done' } };
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { cause?: { message?: string } }) => e.cause?.message ?? String(e),
  );

describe('human approval of ask decisions', () => {
  test('approval: granted by a person → the write runs, approver recorded in the result, history and audit log', async () => {
    await withAgentBench({ policy: POLICY, script: [deployWrite, done] }, async (bench, { client }) => {
      const workflowId = uniqueId('approve-yes');
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'deploy', tools: FILE_TOOLS }],
      });
      await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
      const [pending] = (await handle.query(stateQuery)).pendingApprovals;
      assert.equal(pending?.requestId, 'approval-1', 'approval ids come from the workflow, not from the model');
      assert.equal(pending?.toolCallId, 'call_deploy');
      assert.equal(pending?.target, '/workspace/deploy/app.conf');
      await waitFor(async () => (await handle.describe()).searchAttributes['AgentOsPendingApprovals']?.[0] === 1, 'the pending-approvals search attribute');

      assert.match(await rejection(handle.executeUpdate(approveUpdate, { args: [{ requestId: 'no-such-request', allow: true }] })), /unknown approval request/);
      assert.match(
        await rejection(handle.executeUpdate(approveUpdate, { args: [{ requestId: 'call_deploy', allow: true }] })),
        /unknown approval request "call_deploy"; pending: approval-1/,
      );
      await handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow: true, approver: 'alice', reason: 'change ticket 42' }] });
      assert.match(await rejection(handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow: false }] })), /already decided/);

      const result = await handle.result();
      assert.equal(result.actions[0]?.status, 'OK');
      assert.equal(result.actions[0]?.approver, 'alice');
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'deploy', 'app.conf'), 'utf8'), 'replicas: 3');
      const log = fs
        .readFileSync(bench.logPath, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { status: string; approved_by?: string; approval_identity?: string; hash: string });
      // The typed-in name, and beside it who Temporal says sent the update (this test's client).
      assert.deepEqual(
        log.map((r) => [r.status, r.approved_by, r.approval_identity]),
        [['OK', 'alice', client.options.identity]],
      );
      assert.equal(result.actions[0]?.auditRecordId, log[0]?.hash);
      assert.equal(result.actions[0]?.approvalId, 'approval-1');
      const history = await handle.fetchHistory();
      const accepted = (history.events ?? []).find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      const input = accepted?.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data;
      assert.match(Buffer.from(input!).toString('utf8'), /"approver":"alice".*"reason":"change ticket 42"|"reason":"change ticket 42".*"approver":"alice"/);
      assert.ok(activitySummaries(history).includes('fs.write /workspace/deploy/app.conf → allow (ask-deploy, approved by alice)'));
      assert.equal((await handle.describe()).searchAttributes['AgentOsPendingApprovals']?.[0], 0);
      maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-approved');
    });
  });

  test('approval: refused by a person → DENIED with the refusal fed back to the model, nothing written', async () => {
    await withAgentBench({ policy: POLICY, script: [deployWrite, done] }, async (bench, { client }) => {
      const workflowId = uniqueId('approve-no');
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'deploy', tools: FILE_TOOLS }],
      });
      await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
      await handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow: false, approver: 'bob', reason: 'not on a Friday' }] });
      const result = await handle.result();
      assert.equal(result.actions[0]?.status, 'DENIED');
      assert.match(result.actions[0]?.reason ?? '', /refused by bob: not on a Friday/);
      const log = readLog(bench.logPath);
      assert.deepEqual(
        log.map((r) => [r['status'], r['code'], r['approval_identity']]),
        [['DENIED', 'Kernel.ApprovalRefused', client.options.identity]],
        'one record of the refusal, naming who Temporal says refused',
      );
      assert.match(String(log[0]?.['reason']), /refused by bob/);
      assert.ok(activitySummaries(await handle.fetchHistory()).includes('fs.write /workspace/deploy/app.conf → DENIED (Kernel.ApprovalRefused)'));
      maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-approval-refused');
      assert.equal(fs.existsSync(path.join(bench.workspace, 'deploy', 'app.conf')), false);
      const fed = JSON.parse(bench.model.requests[1]!.messages.at(-1)!.content!) as { status: string; reason: string };
      assert.equal(fed.status, 'DENIED');
      assert.match(fed.reason, /refused by bob/);
    });
  });

  test('approval: the model reuses a call id in a later turn → its new request gets a new approval id and is not found already decided', async () => {
    await withAgentBench({ policy: POLICY, script: [deployWrite, deployWrite, done] }, async (bench, { client }) => {
      const workflowId = uniqueId('approve-reused-id');
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'deploy twice', tools: FILE_TOOLS }],
      });
      await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals[0]?.requestId === 'approval-1', 'the first approval');
      await handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow: true, approver: 'alice' }] });
      // Same model call id "call_deploy" in turn 2: under 0.1.0 this request was answered
      // "already decided" by the first approval; now it waits for its own.
      await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals[0]?.requestId === 'approval-2', 'the second approval');
      const [second] = (await handle.query(stateQuery)).pendingApprovals;
      assert.equal(second?.toolCallId, 'call_deploy');
      await handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-2', allow: false, approver: 'bob' }] });
      const result = await handle.result();
      assert.deepEqual(
        result.actions.map((a) => [a.approvalId, a.status, a.approver]),
        [
          ['approval-1', 'OK', 'alice'],
          ['approval-2', 'DENIED', 'bob'],
        ],
      );
      maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-approval-ids');
    });
  });

  test('approval: nobody answers within approvalTimeoutMs → denied as timed out', async () => {
    await withAgentBench({ policy: POLICY, script: [deployWrite, done] }, async (bench, { client }) => {
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('approve-timeout'),
        args: [{ prompt: 'deploy', tools: FILE_TOOLS, approvalTimeoutMs: 500 }],
      });
      assert.equal(result.actions[0]?.status, 'DENIED');
      assert.match(result.actions[0]?.reason ?? '', /approval timed out/);
      assert.equal(fs.existsSync(path.join(bench.workspace, 'deploy', 'app.conf')), false);
    });
  });
});
