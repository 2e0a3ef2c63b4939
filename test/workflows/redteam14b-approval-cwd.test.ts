/**
 * Red team 14b: in a run, a person approves `touch DEPLOYED` in staging/ (its working folder a
 * link there); a concurrent actor re-points the link at prod/ before the step runs. The run
 * decided `ask` under ask-staging; at use time the kernel judged the new working folder under
 * ask-prod, and the approval ran the program in prod/. The approval holds for the judged params
 * too now (`decided.paramsHash`): nothing runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentRun } from '../../src/workflows/agent-run';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { FILE_TOOLS, withAgentBench, RUN_TOOL, STAGING_PROD_ASK } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';
import { readLog } from '../kernel/kernel-helpers';

const POLICY = STAGING_PROD_ASK;

describe('redteam14b: an approval in a run holds for the working folder it was judged in', () => {
  test('the working folder’s link is re-pointed at prod/ while the person approves staging → DENIED Kernel.DecisionChanged, nothing touched', async () => {
    await withAgentBench(
      {
        processes: true,
        policy: POLICY,
        files: { 'staging/app/.keep': '', 'prod/app/.keep': '' },
        script: [
          { reply: { toolCalls: [{ id: 'call_1', name: 'run', arguments: { program: 'touch', args: ['DEPLOYED'], cwd: '/workspace/staging/current' } }] } },
          { reply: { content: 'done' } },
        ],
      },
      async (bench, { client }) => {
        fs.symlinkSync('app', path.join(bench.workspace, 'staging', 'current'));
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt14b-approval-cwd'),
          args: [{ prompt: 'deploy', tools: [...FILE_TOOLS, RUN_TOOL] }],
        });
        await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
        const [pending] = (await handle.query(stateQuery)).pendingApprovals;
        assert.equal(pending?.ruleId, 'ask-staging');
        const tmp = path.join(bench.workspace, 'staging', 'current.tmp');
        fs.symlinkSync(path.join(bench.workspace, 'prod', 'app'), tmp);
        fs.renameSync(tmp, path.join(bench.workspace, 'staging', 'current'));
        await handle.executeUpdate(approveUpdate, { args: [{ requestId: pending!.requestId, allow: true, approver: 'alice' }] });
        const result = await handle.result();
        assert.equal(fs.existsSync(path.join(bench.workspace, 'prod', 'app', 'DEPLOYED')), false, 'the approval of staging ran touch in prod/');
        assert.deepEqual([result.actions[0]?.status, result.actions[0]?.code], ['DENIED', 'Kernel.DecisionChanged']);
        const log = readLog(bench.logPath);
        assert.deepEqual(
          log.map((r) => [r['status'], r['code']]),
          [['DENIED', 'Kernel.DecisionChanged']],
        );
      },
    );
  });
});
