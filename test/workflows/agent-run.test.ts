import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { agentRun } from '../../src/workflows/agent-run';
import { stateQuery } from '../../src/workflows/messages';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { activitySummaries, maxAttempt, recordedPayloads } from '../helpers/history';
import { maybeRecordHistory } from '../helpers/record-history';
import { temporal, uniqueId } from '../helpers/temporal';

const toolMessages = (request: { messages: ReadonlyArray<{ role: string; content?: string | null }> }) =>
  request.messages
    .filter((m) => m.role === 'tool')
    .map((m) => JSON.parse(m.content ?? '{}') as { status: string; data?: unknown; error?: string; reason?: string });

describe('agentRun on the real dev server', () => {
  test('agentRun: read then write then answer → final text, both actions applied, summaries in history', async () => {
    await withAgentBench(
      {
        files: { 'data.csv': 'a,b\n1,2\n' },
        script: [
          { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } },
          { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.md', content: '# two rows' } }] } },
          { reply: { content: 'Report written.' } },
        ],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('agent-happy');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'Summarise data.csv', instructions: 'You are careful.', tools: FILE_TOOLS }],
        });
        const result = await handle.result();
        assert.equal(result.output, 'Report written.');
        assert.equal(result.turns, 3);
        assert.deepEqual(
          result.actions.map((a) => [a.action, a.target, a.decision, a.status, a.ruleId]),
          [
            ['fs.read', '/workspace/data.csv', 'allow', 'OK', 'read-workspace'],
            ['fs.write', '/workspace/output/report.md', 'allow', 'OK', 'write-output'],
          ],
        );
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'report.md'), 'utf8'), '# two rows');
        // The model saw the file contents as the first tool result.
        const first = toolMessages(bench.model.requests[1]!)[0]!;
        assert.equal(first.status, 'OK');
        assert.equal(first.data, 'a,b\n1,2\n');
        assert.equal(bench.model.requests[0]!.messages[0]!.role, 'system');
        bench.model.assertDone();

        const history = await handle.fetchHistory();
        const summaries = activitySummaries(history);
        assert.ok(summaries.includes('fs.read /workspace/data.csv → allow (read-workspace)'), summaries.join('\n'));
        assert.ok(summaries.includes('fs.write /workspace/output/report.md → allow (write-output)'), summaries.join('\n'));
        assert.ok(summaries.includes('model turn 1'));
        const description = await handle.describe();
        assert.equal((await description.memo)?.['model'], 'scripted');
        assert.deepEqual(description.searchAttributes['AgentOsModel'], ['scripted']);
        assert.equal((await handle.query(stateQuery)).actions.length, 2);
        maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-happy');
      },
    );
  });

  test('agentRun: write outside the policy → DENIED fed back to the model, file untouched, denial visible in history', async () => {
    await withAgentBench(
      {
        script: [
          { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/secrets.txt', content: 'x' } }] } },
          { reply: { content: 'I was not allowed to write there.' } },
        ],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('agent-denied');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'write a secret', tools: FILE_TOOLS }],
        });
        const result = await handle.result();
        assert.equal(result.actions[0]?.decision, 'deny');
        assert.equal(result.actions[0]?.status, 'DENIED');
        assert.equal(fs.existsSync(path.join(bench.workspace, 'secrets.txt')), false);
        const fedBack = toolMessages(bench.model.requests[1]!)[0]!;
        assert.equal(fedBack.status, 'DENIED');
        assert.equal(fedBack.error, 'not permitted');
        assert.match(fedBack.reason ?? '', /no capability allows fs\.write/);
        const summaries = activitySummaries(await handle.fetchHistory());
        assert.ok(summaries.includes('fs.write /workspace/secrets.txt → DENIED (no capability)'), summaries.join('\n'));
        const log = fs
          .readFileSync(bench.logPath, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { status: string });
        assert.deepEqual(
          log.map((r) => r.status),
          ['DENIED'],
        );
        maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-denied');
      },
    );
  });

  test('agentRun: unknown tool, invalid JSON and schema-violating arguments → errors answered to the model and recorded', async () => {
    await withAgentBench(
      {
        script: [
          {
            reply: {
              toolCalls: [
                { name: 'delete_everything', arguments: {} },
                { name: 'read_file', arguments: '{"path": ' },
                { name: 'write_file', arguments: { path: '/workspace/output/x.md' } },
              ],
            },
          },
          { reply: { content: 'gave up' } },
        ],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('agent-invalid');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'misbehave', tools: FILE_TOOLS }],
        });
        const result = await handle.result();
        assert.deepEqual(
          result.actions.map((a) => [a.tool, a.decision, a.status]),
          [
            ['delete_everything', 'invalid', 'ERROR'],
            ['read_file', 'invalid', 'ERROR'],
            ['write_file', 'invalid', 'ERROR'],
          ],
        );
        const fed = toolMessages(bench.model.requests[1]!);
        assert.match(fed[0]!.error!, /unknown tool "delete_everything"/);
        assert.match(fed[1]!.error!, /not valid JSON/);
        assert.match(fed[2]!.error!, /schema.*content/);
        assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'x.md')), false);
        const payloads = JSON.stringify(recordedPayloads(await handle.fetchHistory()));
        assert.match(payloads, /unknown tool/);
        assert.match(payloads, /delete_everything/);
        // Each call has its one kernel record and is counted (0.2.0: Patch.AuditEveryToolCall).
        const log = fs
          .readFileSync(bench.logPath, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { status: string; code: string; hash: string });
        assert.deepEqual(
          log.map((r) => [r.status, r.code]),
          [
            ['ERROR', 'Tool.UnknownTool'],
            ['ERROR', 'Tool.InvalidArguments'],
            ['ERROR', 'Tool.InvalidArguments'],
          ],
        );
        assert.deepEqual(
          result.actions.map((a) => a.auditRecordId),
          log.map((r) => r.hash),
        );
        assert.equal(result.usage.toolCalls, 3);
        maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-invalid');
      },
    );
  });

  test('agentRun: model answers 429 then succeeds → retried by Temporal, run completes', async () => {
    await withAgentBench(
      {
        script: [{ error: { status: 429, message: 'slow down', headers: { 'retry-after-ms': '10' } } }, { reply: { content: 'hello' } }],
      },
      async (bench, { client }) => {
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('agent-429'),
          args: [{ prompt: 'hi', tools: FILE_TOOLS }],
        });
        assert.equal((await handle.result()).output, 'hello');
        assert.equal(maxAttempt(await handle.fetchHistory(), 'callModel'), 2);
        bench.model.assertDone();
      },
    );
  });

  test('agentRun: model answers 401 → run fails at once with a non-retryable Model.Unauthorized', async () => {
    await withAgentBench({ script: [{ error: { status: 401, message: 'bad key' } }] }, async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('agent-401'),
        args: [{ prompt: 'hi', tools: FILE_TOOLS }],
      });
      const err = await handle.result().then(
        () => assert.fail('expected the run to fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      const cause = (err.cause as { cause?: { type?: string; nonRetryable?: boolean } }).cause;
      assert.equal(cause?.type, 'Model.Unauthorized');
      assert.equal(cause?.nonRetryable, true);
      assert.equal(bench.model.requests.length, 1, 'no retry of a 401');
    });
  });

  test('agentRun: two tool calls in one turn → executed in the given order, results returned in that order', async () => {
    await withAgentBench(
      {
        files: { 'a.txt': 'A', 'b.txt': 'B' },
        script: [
          {
            reply: {
              toolCalls: [
                { name: 'write_file', arguments: { path: '/workspace/output/log.txt', content: 'first' } },
                { name: 'write_file', arguments: { path: '/workspace/output/log.txt', content: 'second' } },
              ],
            },
          },
          { reply: { content: 'ok' } },
        ],
      },
      async (bench, { client }) => {
        const result = await client.workflow.execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('agent-two'),
          args: [{ prompt: 'write twice', tools: FILE_TOOLS }],
        });
        assert.deepEqual(
          result.actions.map((a) => a.status),
          ['OK', 'OK'],
        );
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'log.txt'), 'utf8'), 'second');
        const ids = bench.model.requests[1]!.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id);
        assert.deepEqual(ids, ['call_0_0', 'call_0_1']);
      },
    );
  });

  test('agentRun: the model never stops calling tools → fails with Budget.MaxTurns after maxTurns', async () => {
    const call = { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/a.txt' } }] } };
    await withAgentBench({ files: { 'a.txt': 'A' }, script: [call, call] }, async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('agent-maxturns'),
        args: [{ prompt: 'loop', tools: FILE_TOOLS, maxTurns: 2 }],
      });
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      assert.equal((err.cause as { type?: string }).type, 'Budget.MaxTurns');
      bench.model.assertDone();
    });
  });
});
