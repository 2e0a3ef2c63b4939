import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { ReceivedRequest, ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench, RUN_TOOL } from '../helpers/agent';
import { activitySummaries, maxAttempt } from '../helpers/history';
import { pidsWith, waitUntilGone } from '../helpers/processes';
import { maybeRecordHistory } from '../helpers/record-history';
import { temporal, uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';

function auditLog(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('cancellation, compensation limits and dead workspace hosts', () => {
  test("cancel: a run cancelled while proc.exec runs a long program → the program is killed through the activity's cancellation, the kernel records it", async (t) => {
    const marker = `${4000 + randomInt(1000)}.${randomInt(1_000_000)}`;
    await withAgentBench(
      {
        processes: true,
        policy: `${AGENT_POLICY}\n  - id: run-sleep\n    action: proc.exec\n    resource: sleep\n    constraint: { timeout_ms: 600000 }\n`,
        script: [{ reply: { toolCalls: [{ name: 'run', arguments: { program: 'sleep', args: [marker] } }] } }, { reply: { content: 'never' } }],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('cancel-exec');
        const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'sleep', tools: [RUN_TOOL] }] });
        await waitFor(() => pidsWith(marker).length > 0, 'the sleeping program');
        const pids = pidsWith(marker);
        const cancelledAt = Date.now();
        await handle.cancel();
        await waitUntilGone(pids, 30_000);
        t.diagnostic(`program gone ${Date.now() - cancelledAt} ms after the cancel request`);
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `expected a cancelled run, got ${String(err)}`);
        // The run closes only after executeAction finished (WAIT_CANCELLATION_COMPLETED), so
        // the program is gone by now; without the cancellation reaching the kernel it would
        // sleep on (its 30 s kernel deadline, 600 s policy cap).
        assert.deepEqual(await waitUntilGone(pids, 1000), [], 'the program was killed');
        const log = auditLog(bench.logPath);
        assert.deepEqual(
          log.map((r) => [r['action'], r['status'], r['code']]),
          [['proc.exec', 'ERROR', 'Kernel.Aborted']],
        );
        maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-cancelled-exec');
      },
    );
  });

  test('compensation: an undo that keeps failing → retried until compensationTimeoutMs, then the run fails as Run.CompensationFailed listing it, original failure as cause', async () => {
    let undoCalls = 0;
    const crash: ScriptStep = { error: { status: 400, message: 'scripted crash after the write' } };
    await withAgentBench(
      {
        reversible: true,
        wrapUndoer: (inner) => ({
          actions: inner.actions,
          undo: async () => {
            undoCalls++;
            throw new Error('snapshot store unreachable');
          },
        }),
        script: [{ reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/a.md', content: 'new' } }] } }, crash],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('undo-fails');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'write', tools: FILE_TOOLS, compensationTimeoutMs: 2_500 }],
        });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError);
        const failure = err.cause as { type?: string; message?: string; details?: unknown[]; cause?: { cause?: { type?: string } } };
        assert.equal(failure.type, 'Run.CompensationFailed');
        assert.match(failure.message ?? '', /then 1 of 1 compensation\(s\) failed: fs\.write \/workspace\/output\/a\.md: ERROR \(.*snapshot store unreachable/);
        assert.deepEqual(
          (failure.details?.[0] as { compensations: Array<{ target: string; status: string }> }).compensations.map((c) => [c.target, c.status]),
          [['/workspace/output/a.md', 'ERROR']],
        );
        assert.equal(failure.cause?.cause?.type, 'Model.BadRequest', 'the original failure stays the cause');
        assert.ok(maxAttempt(await handle.fetchHistory(), 'undoAction') >= 2, 'the undo was retried');
        assert.ok(undoCalls >= 2);
        maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-compensation-failed');
      },
    );
  });

  test('dead host: a run whose workspace queue nobody polls → the step fails as Host.Unavailable (recorded, visible, told to the model) instead of waiting forever', async () => {
    const answered = (request: ReceivedRequest): ScriptStep | undefined => {
      const tool = request.messages.find((m) => m.role === 'tool');
      return tool
        ? { reply: { content: `tool said ${tool.content ?? ''}` } }
        : { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/a.txt' } }] } };
    };
    await withAgentBench({ files: { 'a.txt': 'A' }, script: answered }, async (bench, { client }) => {
      const deadQueue = uniqueId('dead-host');
      const workflowId = uniqueId('dead-host-run');
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'read', tools: FILE_TOOLS, workspaceQueue: deadQueue, workspaceStartTimeoutMs: 1_000 }],
      });
      const result = await handle.result();
      assert.deepEqual(
        result.actions.map((a) => [a.action, a.status, a.code]),
        [['fs.read', 'ERROR', 'Host.Unavailable']],
      );
      assert.match(result.actions[0]?.reason ?? '', new RegExp(`no worker picked the step up from workspace queue "${deadQueue}" within 1000 ms`));
      assert.match(result.output, /Host\.Unavailable|no worker picked the step up/);
      const log = auditLog(bench.logPath);
      assert.deepEqual(
        log.map((r) => [r['action'], r['target'], r['status'], r['code']]),
        [['fs.read', '/workspace/a.txt', 'ERROR', 'Host.Unavailable']],
      );
      assert.equal(result.actions[0]?.auditRecordId, log[0]?.['hash']);
      assert.ok(activitySummaries(await handle.fetchHistory()).includes('fs.read /workspace/a.txt → ERROR (Host.Unavailable)'));
      assert.equal(fs.existsSync(path.join(bench.workspace, 'a.txt')), true);
      maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-host-unavailable');
    });
  });
});
