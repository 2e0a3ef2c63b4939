/**
 * Red team 14b: a person approving an `ask` must see what they approve. A pending approval
 * carried the action, the target and the rule only: `touch` (or `git`, or a URL) without its
 * arguments, working folder, method or body — so "allow proc.exec git?" could be a push of
 * anything, "allow net.http https://api…/users/1?" a DELETE. The params now travel with it
 * (a capped preview) and every prompt shows them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatApprovalPending } from '../../src/cli/run-format';
import { agentRun } from '../../src/workflows/agent-run';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { FILE_TOOLS, withAgentBench, RUN_TOOL } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';

describe('redteam14b: a pending approval shows the params it approves', () => {
  test('proc.exec touch asks: the pending approval and its prompt carry the arguments and the working folder', async () => {
    await withAgentBench(
      {
        processes: true,
        policy: 'ask:\n  - id: ask-touch\n    action: proc.exec\n    resource: touch\n',
        files: { 'app/.keep': '' },
        script: [
          { reply: { toolCalls: [{ id: 'call_1', name: 'run', arguments: { program: 'touch', args: ['--no-create', 'DEPLOYED'], cwd: '/workspace/app' } }] } },
          { reply: { content: 'done' } },
        ],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('rt14b-approval-params');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'touch', tools: [...FILE_TOOLS, RUN_TOOL] }],
        });
        await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
        const [pending] = (await handle.query(stateQuery)).pendingApprovals;
        assert.ok(pending);
        const shown = formatApprovalPending(workflowId, pending);
        await handle.executeUpdate(approveUpdate, { args: [{ requestId: pending.requestId, allow: false, approver: 'alice' }] });
        await handle.result();
        assert.match(String((pending as { params?: unknown }).params), /"args":\["--no-create","DEPLOYED"\]/);
        assert.match(shown, /--no-create/, `the person was not shown the arguments:\n${shown}`);
        assert.match(shown, /\/workspace\/app/, shown);
      },
    );
  });
});
