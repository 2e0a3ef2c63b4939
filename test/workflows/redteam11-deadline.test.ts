/**
 * Red team 11: the worker's `maxDeadlineMs` is the cap of every run's wall-clock deadline
 * ("a run may ask for less, never more"). These attacks start runs that end up with no
 * deadline at all, or one later than the cap. The run is held at an approval and its history
 * read: the `run deadline` timer must exist and fire within the cap.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { stateQuery } from '../../src/workflows/messages';
import type { AgentRunInput } from '../../src/workflows/types';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';

const POLICY = `${AGENT_POLICY}
ask:
  - id: ask-everything
    action: fs.write
    resource: /workspace/**
`;
const askingWrite: ScriptStep = { reply: { toolCalls: [{ id: 'c1', name: 'write_file', arguments: { path: '/workspace/a.txt', content: 'x' } }] } };
const CAP_MS = 60_000;

/** Seconds until the run's `run deadline` timer fires, or undefined when it has none. */
async function deadlineTimerSeconds(handle: WorkflowHandle): Promise<number | undefined> {
  const history = await handle.fetchHistory();
  const timer = (history.events ?? []).find((e) => e.timerStartedEventAttributes && e.userMetadata?.summary);
  const t = timer?.timerStartedEventAttributes?.startToFireTimeout;
  return t?.seconds === undefined || t.seconds === null ? undefined : Number(t.seconds);
}

async function heldAtApproval(input: Partial<AgentRunInput>, check: (handle: WorkflowHandle) => Promise<void>): Promise<void> {
  await withAgentBench(
    { policy: POLICY, script: [askingWrite, { reply: { content: 'done' } }], limits: { maxDeadlineMs: CAP_MS } },
    async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('rt11-deadline'),
        args: [{ prompt: 'write', tools: FILE_TOOLS, approvalTimeoutMs: 3_600_000, ...input }],
      });
      // Settles when the run ends (failed at the door, or terminated below); awaited before the bench closes.
      let ended: string | undefined;
      const failed = handle.result().then(
        () => (ended = 'completed'),
        (e: { cause?: { type?: string } }) => (ended = e.cause?.type ?? 'failed'),
      );
      try {
        await waitFor(
          async () => ended !== undefined || (await handle.query(stateQuery).catch(() => undefined))?.pendingApprovals.length === 1,
          'a pending approval or the end',
        );
        if (ended === undefined) await check(handle);
        else assert.equal(ended, 'Run.InvalidInput', `the run ended as ${ended}`);
      } finally {
        await handle.terminate('test done').catch(() => undefined);
        await failed;
      }
    },
  );
}

describe('redteam11: a run cannot escape the worker deadline cap', () => {
  test('deadline cap: a run that asks for no deadline still gets the worker cap (it had none: it could wait for an approval forever)', async () => {
    await heldAtApproval({}, async (handle) => {
      const seconds = await deadlineTimerSeconds(handle);
      assert.ok(seconds !== undefined && seconds <= CAP_MS / 1000, `run deadline timer: ${String(seconds)} s (cap ${CAP_MS / 1000} s)`);
    });
  });

  test('deadline cap: a fresh run that brings carried.deadlineAt far in the future is refused or capped (it lifted the cap)', async () => {
    const carried = {
      messages: [{ role: 'user', content: 'write' }],
      actions: [],
      compensations: [],
      usage: { turns: 0, toolCalls: 0, totalTokens: 0, bytesWritten: 0 },
      actionSeq: 0,
      generation: 0,
      deadlineAt: Date.now() + 365 * 24 * 3600 * 1000,
    };
    await heldAtApproval({ budgets: { deadlineMs: 1_000 }, carried } as Partial<AgentRunInput>, async (handle) => {
      const seconds = await deadlineTimerSeconds(handle);
      assert.ok(seconds !== undefined && seconds <= CAP_MS / 1000, `run deadline timer: ${String(seconds)} s (cap ${CAP_MS / 1000} s)`);
    });
  });
});

describe('redteam11: a client cannot hand a new run another run’s state', () => {
  test('carried.compensations: a fresh run carrying another run’s action is refused; that action is not undone (it was)', async () => {
    const writeA: ScriptStep = { reply: { toolCalls: [{ id: 'a', name: 'write_file', arguments: { path: '/workspace/output/a.txt', content: 'A' } }] } };
    const crash: ScriptStep = { error: { status: 400, message: 'scripted crash' } };
    await withAgentBench({ reversible: true, script: [writeA, { reply: { content: 'done' } }, crash] }, async (bench, { client }) => {
      const a = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('rt11-victim'),
        args: [{ prompt: 'write', tools: FILE_TOOLS }],
      });
      const key = a.actions[0]?.idempotencyKey;
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'a.txt'), 'utf8'), 'A');
      const carried = {
        messages: [{ role: 'user', content: 'anything' }],
        actions: [],
        compensations: [{ idempotencyKey: key, action: 'fs.write', target: '/workspace/output/a.txt', state: 'applied' }],
        usage: { turns: 0, toolCalls: 0, totalTokens: 0, bytesWritten: 0 },
        actionSeq: 0,
        generation: 0,
      };
      const failure = await client.workflow
        .execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt11-forged-saga'),
          args: [{ prompt: 'x', tools: FILE_TOOLS, carried } as AgentRunInput],
        })
        .then(
          () => 'completed',
          (e: { cause?: { type?: string } }) => e.cause?.type ?? 'failed',
        );
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'a.txt'), 'utf8'), 'A', 'the other run’s write was undone');
      assert.equal(failure, 'Run.InvalidInput');
    });
  });
});
