/**
 * redteam15c: `agent-os audit export` of a run took every `rollbackRun` of its workflow id as
 * its own. A workflow id used again (a second `agent-os run -w nightly` after the first closed)
 * exported the first run's undos as undos of the second: the export said the second run's
 * writes were undone — they were not — and the export of the first run took in the second
 * run's rollbacks likewise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRunAudit } from '../../src/client/run-export';
import { agentRun } from '../../src/workflows/agent-run';
import { rollbackRun } from '../../src/workflows/rollback-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';

test('exportRunAudit: a workflow id used twice, the first run rolled back → the second run exports no undo; the first exports its own', async () => {
  await withAgentBench(
    {
      reversible: true,
      script: (request) =>
        request.messages.some((m) => m.role === 'tool')
          ? { reply: { content: 'done' } }
          : { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.txt', content: 'report' } }] } },
    },
    async (bench, { client }) => {
      fs.mkdirSync(path.join(bench.workspace, 'output'));
      const workflowId = uniqueId('rt15c-reused');
      const start = () => client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'write', tools: FILE_TOOLS }] });
      const first = await start();
      const firstResult = await first.result();
      // What `agent-os rollback` starts for a finished run (with its run id), and one started without it.
      await client.workflow.execute(rollbackRun, {
        taskQueue: bench.taskQueue,
        workflowId: `${workflowId}-rollback-1`,
        args: [{ workflowId, runId: first.firstExecutionRunId, compensations: firstResult.compensations }],
      });
      await client.workflow.execute(rollbackRun, {
        taskQueue: bench.taskQueue,
        workflowId: `${workflowId}-rollback-2`,
        args: [{ workflowId, compensations: firstResult.compensations }],
      });
      const second = await start();
      await second.result();

      const latest = await exportRunAudit(client, workflowId);
      assert.deepEqual(latest.runs, [second.firstExecutionRunId]);
      assert.deepEqual(latest.rollbacks, [], 'the first run’s rollbacks are not the second run’s');
      assert.equal(latest.records.filter((r) => r.undo_of !== undefined).length, 0);

      const older = await exportRunAudit(client, workflowId, { runId: first.firstExecutionRunId });
      assert.deepEqual(older.rollbacks, [`${workflowId}-rollback-1`, `${workflowId}-rollback-2`]);
      assert.equal(older.records.filter((r) => r.undo_of !== undefined).length, 2);
    },
  );
});
