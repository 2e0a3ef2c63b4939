/**
 * audit12-gaps: nothing a model asks for happens (or fails to happen) silently. Each tool call
 * ends in exactly one kernel audit record, which `audit export` shows too: a call of another
 * type than `function`, a call to an unknown tool with a huge name, a call whose decision failed
 * for good or was cancelled, and the calls of a turn the run never reached because it stopped
 * first (a budget, a cancellation). Runs on the dev server with a scripted model on loopback.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { exportRunAudit } from '../../src/client/run-export';
import { agentRun } from '../../src/workflows/agent-run';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { readLog } from '../kernel/kernel-helpers';
import { uniqueId, workflowBundle } from '../helpers/temporal';
import { createGate, waitFor } from '../helpers/workspace-snapshot';
import { maybeRecordHistory } from '../helpers/record-history';

const FILES = { 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C', 'd.txt': 'D' };
const read = (name: string) => ({ name: 'read_file', arguments: { path: `/workspace/${name}` } });

/** The run's history replays on today's workflow code (the new branches are deterministic). */
async function assertReplays(handle: WorkflowHandle, workflowId: string): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory(), workflowId);
}

/** [action, target, status, code] of each record. */
const rows = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => [r['action'], r['target'], r['status'], r['code']]);

describe('audit12-gaps: calls of another type than function', () => {
  test('agent run: an OpenAI custom tool call named like a function tool → one refusal record (not run, not dropped), answered to the model with a tool message for its id', async () => {
    const custom = { id: 'custom_1', type: 'custom', custom: { name: 'read_file', input: '/workspace/a.txt' } };
    await withAgentBench(
      { files: FILES, script: [{ reply: { toolCalls: [{ wire: custom }, { ...read('b.txt'), id: 'fn_1' }] } }, { reply: { content: 'done' } }] },
      async (bench, { client }) => {
        const workflowId = uniqueId('audit12-custom');
        const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'read', tools: FILE_TOOLS }] });
        const result = await handle.result();
        assert.equal(result.actions.length, 2);
        assert.deepEqual(rows(readLog(bench.logPath)), [
          ['tool.unknown', 'tool:custom:read_file', 'ERROR', 'Tool.UnknownTool'],
          ['fs.read', '/workspace/b.txt', 'OK', undefined],
        ]);
        const { records } = await exportRunAudit(client, workflowId);
        assert.deepEqual(
          records.map((r) => [r.action, r.target, r.status]),
          [
            ['tool.unknown', 'tool:custom:read_file', 'ERROR'],
            ['fs.read', '/workspace/b.txt', 'OK'],
          ],
        );
        // What the model is sent next: its custom call back as it sent it, and an answer for each id.
        const next = bench.model.requests[1]!.messages;
        const assistant = next.find((m) => m.role === 'assistant');
        assert.deepEqual(assistant?.tool_calls?.[0], custom);
        const answers = next.filter((m) => m.role === 'tool');
        assert.deepEqual(
          answers.map((m) => m.tool_call_id),
          ['custom_1', 'fn_1'],
        );
        assert.match(String(answers[0]?.content), /unknown tool \\"custom:read_file\\"/);
        await assertReplays(handle, workflowId);
      },
    );
  });
});

describe('audit12-gaps: unknown tool names are bounded and quoted', () => {
  test('agent run: an unknown tool named with quotes and 100,000 characters → its record, the step and the answer carry at most 200 characters of it, JSON-quoted', async () => {
    const name = `x", "status": "OK${'A'.repeat(100_000)}`;
    await withAgentBench(
      { files: FILES, script: [{ reply: { toolCalls: [{ name, arguments: {} }] } }, { reply: { content: 'done' } }] },
      async (bench, { client }) => {
        const workflowId = uniqueId('audit12-name');
        const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'x', tools: FILE_TOOLS }] });
        const result = await handle.result();
        const [record, ...more] = readLog(bench.logPath);
        assert.equal(more.length, 0);
        // An ERROR record carries its reason as `error`.
        const reason = String(record?.['error']);
        assert.ok(reason.length < 400, `the reason is bounded (${reason.length} characters)`);
        assert.ok(reason.startsWith(`unknown tool "x\\", \\"status\\": \\"OK${'A'.repeat(10)}`), reason.slice(0, 80));
        assert.match(reason, /A…"; available: read_file, write_file$/);
        assert.equal(record?.['target'], `tool:${name.slice(0, 200)}…`);
        assert.equal(result.actions[0]?.tool, `${name.slice(0, 200)}…`);
        const answer = bench.model.requests[1]!.messages.find((m) => m.role === 'tool');
        assert.ok(String(answer?.content).length < 600, `the answer to the model is bounded (${String(answer?.content).length})`);
        await assertReplays(handle, workflowId);
      },
    );
  });
});

describe('audit12-gaps: a decision that fails for good or is cancelled', () => {
  test('agent run: decideAction fails on every attempt (a run-policy lookup that errs) → the run fails, the call has one record ERROR Kernel.DecideFailed (not one per attempt), in the export too', async () => {
    let attempts = 0;
    await withAgentBench(
      {
        files: FILES,
        script: [{ reply: { toolCalls: [read('a.txt')] } }],
        wrapActivities: (inner) => ({
          ...inner,
          decideAction: () => {
            attempts++;
            return Promise.reject(new Error('run policy lookup failed: store unreachable'));
          },
        }),
      },
      async (bench, { client, address }) => {
        const workflowId = uniqueId('audit12-decide-failed');
        const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'read', tools: FILE_TOOLS }] });
        await assert.rejects(handle.result(), WorkflowFailedError);
        maybeRecordHistory(address, workflowId, 'agent-run-decide-failed');
        assert.equal(attempts, 5, 'decideAction was retried to its limit');
        const records = readLog(bench.logPath);
        assert.deepEqual(rows(records), [['fs.read', '/workspace/a.txt', 'ERROR', 'Kernel.DecideFailed']]);
        assert.match(String(records[0]?.['error']), /could not be decided: .*store unreachable/);
        const { records: exported } = await exportRunAudit(client, workflowId);
        assert.deepEqual(
          exported.map((r) => [r.action, r.target, r.status, r.code]),
          [['fs.read', '/workspace/a.txt', 'ERROR', 'Kernel.DecideFailed']],
        );
        await assertReplays(handle, workflowId);
      },
    );
  });

  test('agent run: cancelled while a call is being decided → that call and the rest of its turn have one record each (DENIED Run.Stopped)', async () => {
    const gate = createGate();
    let deciding = false;
    try {
      await withAgentBench(
        {
          files: FILES,
          script: [{ reply: { toolCalls: [read('a.txt'), read('b.txt')] } }],
          wrapActivities: (inner) => ({
            ...inner,
            decideAction: async (input) => {
              deciding = true;
              await Promise.race([gate.passed, Context.current().cancelled.catch(() => undefined)]);
              return inner.decideAction(input);
            },
          }),
        },
        async (bench, { client, address }) => {
          const workflowId = uniqueId('audit12-decide-cancelled');
          const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'read', tools: FILE_TOOLS }] });
          await waitFor(() => deciding, 'the first call to be decided');
          await handle.cancel();
          await assert.rejects(handle.result(), WorkflowFailedError);
          maybeRecordHistory(address, workflowId, 'agent-run-decide-cancelled');
          const records = readLog(bench.logPath);
          assert.deepEqual(rows(records), [
            ['fs.read', '/workspace/a.txt', 'DENIED', 'Run.Stopped'],
            ['fs.read', '/workspace/b.txt', 'DENIED', 'Run.Stopped'],
          ]);
          assert.equal(new Set(records.map((r) => r['idempotency_key'])).size, 2);
          const { records: exported } = await exportRunAudit(client, workflowId);
          assert.deepEqual(
            exported.map((r) => [r.target, r.status, r.code]),
            [
              ['/workspace/a.txt', 'DENIED', 'Run.Stopped'],
              ['/workspace/b.txt', 'DENIED', 'Run.Stopped'],
            ],
          );
          await assertReplays(handle, workflowId);
        },
      );
    } finally {
      gate.open();
    }
  });
});

describe('audit12-gaps: calls of a turn the run never reached', () => {
  test('agent run: maxToolCalls=2, four calls in one turn → two run, the third is refused by the budget, the fourth has its own record (DENIED Run.Stopped); all four in the export', async () => {
    await withAgentBench(
      { policy: AGENT_POLICY, files: FILES, script: [{ reply: { toolCalls: [read('a.txt'), read('b.txt'), read('c.txt'), read('d.txt')] } }] },
      async (bench, { client, address }) => {
        const workflowId = uniqueId('audit12-unrun');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'read', tools: FILE_TOOLS, budgets: { maxToolCalls: 2 } }],
        });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError);
        assert.equal((err.cause as { type?: string } | undefined)?.type, 'Budget.MaxToolCalls');
        maybeRecordHistory(address, workflowId, 'agent-run-unrun-calls');
        const records = readLog(bench.logPath);
        assert.deepEqual(rows(records), [
          ['fs.read', '/workspace/a.txt', 'OK', undefined],
          ['fs.read', '/workspace/b.txt', 'OK', undefined],
          ['fs.read', '/workspace/c.txt', 'DENIED', 'Budget.MaxToolCalls'],
          ['fs.read', '/workspace/d.txt', 'DENIED', 'Run.Stopped'],
        ]);
        assert.match(String(records[3]?.['reason']), /^not run: the run stopped before this call \(Budget\.MaxToolCalls: /);
        assert.equal(new Set(records.map((r) => r['idempotency_key'])).size, 4);
        const { records: exported } = await exportRunAudit(client, workflowId);
        assert.deepEqual(
          exported.map((r) => [r.target, r.status]),
          records.map((r) => [r['target'], r['status']]),
        );
        assert.equal(exported[3]?.idempotency_key, records[3]?.['idempotency_key']);
        await assertReplays(handle, workflowId);
      },
    );
  });

  test('agent run: a reply over the token budget that asks for two calls → neither runs, each has its record (DENIED Run.Stopped)', async () => {
    await withAgentBench(
      { files: FILES, script: [{ reply: { toolCalls: [read('a.txt'), { name: 'nope', arguments: {} }] }, usage: { prompt: 100, completion: 5 } }] },
      async (bench, { client, address }) => {
        const workflowId = uniqueId('audit12-tokens');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'read', tools: FILE_TOOLS, budgets: { maxModelTokens: 50 } }],
        });
        await assert.rejects(handle.result(), WorkflowFailedError);
        maybeRecordHistory(address, workflowId, 'agent-run-tokens-unrun-calls');
        assert.deepEqual(rows(readLog(bench.logPath)), [
          ['fs.read', '/workspace/a.txt', 'DENIED', 'Run.Stopped'],
          ['tool.unknown', 'tool:nope', 'DENIED', 'Run.Stopped'],
        ]);
        const { records: exported } = await exportRunAudit(client, workflowId);
        assert.deepEqual(
          exported.map((r) => [r.target, r.code]),
          [
            ['/workspace/a.txt', 'Run.Stopped'],
            ['tool:nope', 'Run.Stopped'],
          ],
        );
        await assertReplays(handle, workflowId);
      },
    );
  });
});

describe('audit12-gaps: a turn of hundreds of calls over the budget', () => {
  test('agent run: maxToolCalls=1, 450 calls in one turn → 450 records (one run, one refused by the budget, 448 not run, in batches of recordRefusals steps), the export in the same order', async () => {
    const calls = Array.from({ length: 450 }, (_, i) => read(i % 2 === 0 ? 'a.txt' : 'b.txt'));
    await withAgentBench({ files: FILES, script: [{ reply: { toolCalls: calls } }] }, async (bench, { client }) => {
      const workflowId = uniqueId('audit12-many');
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'read', tools: FILE_TOOLS, budgets: { maxToolCalls: 1 } }],
      });
      await assert.rejects(handle.result(), WorkflowFailedError);
      const records = readLog(bench.logPath);
      assert.equal(records.length, 450);
      assert.deepEqual(
        [records[0]?.['status'], records[1]?.['code'], ...new Set(records.slice(2).map((r) => r['code']))],
        ['OK', 'Budget.MaxToolCalls', 'Run.Stopped'],
      );
      assert.equal(new Set(records.map((r) => r['idempotency_key'])).size, 450);
      const batches = ((await handle.fetchHistory()).events ?? []).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordRefusals',
      );
      assert.ok(batches.length >= 3, `448 calls in batches of at most 200 (${batches.length} steps)`);
      const { records: exported } = await exportRunAudit(client, workflowId);
      assert.deepEqual(
        exported.map((r) => r.idempotency_key),
        records.map((r) => r['idempotency_key']),
      );
      await assertReplays(handle, workflowId);
    });
  });
});
