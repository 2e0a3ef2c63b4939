/**
 * redteam15c: a run reset to an earlier point (`temporal workflow reset`) goes on as a new run
 * whose history copies the old one up to that point only. `agent-os audit export` follows the
 * latest run, so every action the old run took after the reset point — they happened: the
 * file is on disk, the kernel log has the record — was missing from the export, silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportRunAudit } from '../../src/client/run-export';
import { agentRun } from '../../src/workflows/agent-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';

test('exportRunAudit: a run reset after its first write → the export still has the write the old run made after the reset point', async () => {
  let resetDone = false;
  await withAgentBench(
    {
      reversible: true,
      script: (request) => {
        const done = request.messages.filter((m) => m.role === 'tool').length;
        if (resetDone || done >= 2) return { reply: { content: 'done' } };
        return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/f${done}.txt`, content: `file ${done}` } }] } };
      },
    },
    async (bench, { client }) => {
      fs.mkdirSync(path.join(bench.workspace, 'output'));
      const workflowId = uniqueId('rt15c-reset');
      const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'write', tools: FILE_TOOLS }] });
      await handle.result();
      assert.ok(fs.existsSync(path.join(bench.workspace, 'output', 'f1.txt')), 'the old run wrote f1.txt');
      // Reset to the workflow task that completed right after the first write.
      const events = (await handle.fetchHistory()).events ?? [];
      const firstWrite = events.findIndex(
        (e) =>
          e.activityTaskCompletedEventAttributes &&
          events.some(
            (s) =>
              s.eventId?.toString() === e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() &&
              s.activityTaskScheduledEventAttributes?.activityType?.name === 'executeAction',
          ),
      );
      const point = events.slice(firstWrite).find((e) => e.workflowTaskCompletedEventAttributes);
      assert.ok(point?.eventId, 'a reset point after the first write');
      resetDone = true;
      const reset = await client.workflowService.resetWorkflowExecution({
        namespace: client.options.namespace,
        workflowExecution: { workflowId, runId: handle.firstExecutionRunId },
        reason: 'red team 15c',
        workflowTaskFinishEventId: point.eventId,
        requestId: randomUUID(),
      });
      await client.workflow.getHandle(workflowId, reset.runId ?? undefined).result();

      const exported = await exportRunAudit(client, workflowId);
      const targets = exported.records.filter((r) => r.action === 'fs.write').map((r) => r.target);
      assert.ok(targets.includes('/workspace/output/f1.txt'), `the write after the reset point is exported; got ${JSON.stringify(targets)}`);
      assert.deepEqual(targets, ['/workspace/output/f0.txt', '/workspace/output/f1.txt'], 'the copied prefix is recorded once');
      assert.deepEqual(exported.runs, [handle.firstExecutionRunId, reset.runId]);
    },
  );
});
