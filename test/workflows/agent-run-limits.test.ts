import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { WorkflowFailedError } from '@temporalio/client';
import type { Executor } from '../../src/activities/tool';
import { agentRun } from '../../src/workflows/agent-run';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench, RUN_TOOL } from '../helpers/agent';
import { recordedPayloads } from '../helpers/history';
import { uniqueId } from '../helpers/temporal';

describe('agentRun limits and retries', () => {
  test('agentRun: proc.exec whose first attempt crashed after running → retry answers UNKNOWN, the program ran once', async () => {
    let submits = 0;
    const crashAfterFirstRun = (inner: Executor): Executor => ({
      async submit(request, options) {
        const result = await inner.submit(request, options);
        submits++;
        if (submits === 1) throw new Error('worker lost the result after running the program');
        return result;
      },
    });
    await withAgentBench(
      {
        processes: true,
        wrapExecutor: crashAfterFirstRun,
        policy: `${AGENT_POLICY}\n  - id: run-echo\n    action: proc.exec\n    resource: echo\n`,
        script: [{ reply: { toolCalls: [{ name: 'run', arguments: { program: 'echo', args: ['hello'] } }] } }, { reply: { content: 'ok' } }],
      },
      async (bench, { client }) => {
        const result = await client.workflow.execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('at-most-once'),
          args: [{ prompt: 'echo', tools: [...FILE_TOOLS, RUN_TOOL] }],
        });
        assert.equal(submits, 1, 'the program must not run a second time');
        assert.equal(result.actions[0]?.status, 'UNKNOWN');
        const fed = JSON.parse(bench.model.requests[1]!.messages.at(-1)!.content!) as { status: string; error: string };
        assert.equal(fed.status, 'UNKNOWN');
        assert.match(fed.error, /at-most-once/);
        // Not silent: the first attempt's OK and the retry's UNKNOWN are both in the audit log.
        const log = fs
          .readFileSync(bench.logPath, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { status: string; idempotency_key: string; code?: string });
        assert.deepEqual(
          log.map((r) => [r.status, r.code]),
          [
            ['OK', undefined],
            ['UNKNOWN', 'Kernel.OutcomeUnknown'],
          ],
        );
        assert.equal(log[0]!.idempotency_key, log[1]!.idempotency_key);
      },
    );
  });

  test('agentRun: a 300 KB file read → the tool result is capped before it enters history', async () => {
    const big = 'x'.repeat(300_000);
    await withAgentBench(
      {
        files: { 'big.txt': big },
        script: [{ reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/big.txt' } }] } }, { reply: { content: 'read it' } }],
      },
      async (bench, { client }) => {
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('capped'),
          args: [{ prompt: 'read big', tools: FILE_TOOLS, maxToolResultChars: 2_000 }],
        });
        assert.equal((await handle.result()).output, 'read it');
        const largest = Math.max(...recordedPayloads(await handle.fetchHistory()).map((p) => JSON.stringify(p).length));
        assert.ok(largest < 10_000, `largest history payload is ${largest} characters`);
        const fed = JSON.parse(bench.model.requests[1]!.messages.at(-1)!.content!) as { data: string };
        assert.match(fed.data, /truncated 298000 characters/);
      },
    );
  });
});

describe('agentRun with a run policy', () => {
  test('agentRun: an invalid run policy → fails at once with Run.InvalidPolicy, the model is never called', async () => {
    await withAgentBench({ script: [] }, async (bench, { client }) => {
      const err = await client.workflow
        .execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('bad-run-policy'),
          args: [{ prompt: 'x', tools: FILE_TOOLS, policy: 'capabilities:\n  - action: fs.wirte\n    resource: /workspace/**\n' }],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof WorkflowFailedError);
      assert.equal((err.cause as { type?: string }).type, 'Run.InvalidPolicy');
      assert.match((err.cause as Error).message, /fs\.wirte/);
      assert.equal(bench.model.requests.length, 0);
    });
  });

  test('agentRun: a narrowing run policy → its search attribute carries the combined policy hash', async () => {
    await withAgentBench({ script: [{ reply: { content: 'ok' } }] }, async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('narrowed-hash'),
        args: [{ prompt: 'x', tools: FILE_TOOLS, policy: 'capabilities:\n  - action: fs.read\n    resource: /workspace/**\n' }],
      });
      await handle.result();
      const hash = (await handle.describe()).searchAttributes['AgentOsPolicyHash']?.[0];
      assert.match(String(hash), /^[0-9a-f]{64}$/);
      assert.notEqual(hash, bench.kernel.policyHash);
    });
  });
});
