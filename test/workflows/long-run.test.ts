import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentRun } from '../../src/workflows/agent-run';
import { rollbackRun } from '../../src/workflows/rollback-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { snapshotTree } from '../helpers/workspace-snapshot';

const CALLS = 60;

test('long run: 60 tool calls cross several continue-as-new boundaries → all recorded, then everything rolled back', async () => {
  await withAgentBench(
    {
      reversible: true,
      script: (request) => {
        const done = request.messages.filter((m) => m.role === 'tool').length;
        if (done < CALLS)
          return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/f${done}.txt`, content: `file ${done}` } }] } };
        return { reply: { content: `wrote ${CALLS} files` } };
      },
    },
    async (bench, { client }) => {
      fs.mkdirSync(path.join(bench.workspace, 'output'));
      const before = snapshotTree(bench.workspace);
      const workflowId = uniqueId('long-run');
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'write many files', tools: FILE_TOOLS, budgets: { maxTurns: CALLS + 1 }, continueAsNewAfterEvents: 150 }],
      });
      assert.equal(result.output, `wrote ${CALLS} files`);
      assert.ok(result.generations >= 3, `expected several continue-as-new generations, got ${result.generations}`);
      assert.equal(result.actions.length, CALLS);
      assert.equal(new Set(result.actions.map((a) => a.idempotencyKey)).size, CALLS, 'no duplicated action');
      assert.equal(result.compensations.length, CALLS);
      assert.ok(result.compensations.every((c) => c.state === 'applied'));
      assert.equal(fs.readdirSync(path.join(bench.workspace, 'output')).length, CALLS);

      const undone = await client.workflow.execute(rollbackRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('rollback-long'),
        args: [{ workflowId, compensations: result.compensations }],
      });
      assert.equal(undone.undone.filter((u) => u.status === 'OK').length, CALLS);
      assert.deepEqual(snapshotTree(bench.workspace), before);
    },
  );
});
