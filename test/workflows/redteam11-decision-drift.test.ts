/**
 * Red team 11: the decision a run records (and a person approves) is made by `decideAction`;
 * `executeAction` then submits the same request, and the kernel decides again at use time on
 * the target as it resolves *then*. When a link in the workspace changes in between, the two
 * decisions are about different files. These tests are the attacks: a concurrent actor (another
 * run, a program left running) re-points a link between the two steps.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Executor } from '../../src/activities/tool';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';

const writeVia = (p: string, content: string): ScriptStep => ({
  reply: { toolCalls: [{ id: 'call_1', name: 'write_file', arguments: { path: p, content } }] },
});
const done: ScriptStep = { reply: { content: 'done' } };

/** Re-points `<workspace>/<link>` at `<to>` (relative), atomically. */
function repoint(workspace: string, link: string, to: string): void {
  const tmp = path.join(workspace, `${link}.tmp`);
  fs.symlinkSync(to, tmp);
  fs.renameSync(tmp, path.join(workspace, link));
}

function auditLog(logPath: string): Record<string, unknown>[] {
  return fs
    .readFileSync(logPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('redteam11: what runs is what the run decided', () => {
  test('decision drift: recorded DENIED, then the link is re-pointed before the execute step → nothing runs (it ran, uncounted by the byte budget and with no compensation)', async () => {
    // The run may write output/ only. `link` points at forbidden/ when the run decides; a
    // concurrent actor re-points it at output/ before the execute step submits.
    let flipped = false;
    const wrap = (inner: Executor): Executor => ({
      submit: async (request, options) => {
        if (!flipped && request.action === 'fs.write') {
          flipped = true;
          repoint(benchRoot, 'link', 'output');
        }
        return inner.submit(request, options);
      },
    });
    let benchRoot = '';
    await withAgentBench(
      {
        files: { 'forbidden/.keep': '', 'output/.keep': '' },
        wrapExecutor: wrap,
        limits: { maxBytesWritten: 4 },
        script: [writeVia('/workspace/link/x.txt', 'twelve bytes'), done],
      },
      async (bench, { client }) => {
        benchRoot = bench.workspace;
        fs.symlinkSync('forbidden', path.join(bench.workspace, 'link'));
        const result = await client.workflow.execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt11-drift-deny'),
          args: [{ prompt: 'write', tools: FILE_TOOLS }],
        });
        assert.ok(flipped, 'the link was re-pointed between the two steps');
        const [action] = result.actions;
        assert.equal(action?.decision, 'deny', 'the run decided (and recorded) deny');
        assert.equal(action?.status, 'DENIED', `the action the run recorded as denied must not run; it ended ${action?.status}`);
        assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'x.txt')), false, 'nothing was written through the re-pointed link');
        assert.deepEqual(
          auditLog(bench.logPath).map((r) => [r['status'], r['code']]),
          [['DENIED', 'Kernel.DecisionChanged']],
        );
      },
    );
  });

  test('approval TOCTOU: a person approves the write to staging/, the link is re-pointed at prod/ → the approval does not carry over (it wrote prod/)', async () => {
    const policy = `${AGENT_POLICY}
ask:
  - id: ask-staging
    action: fs.write
    resource: /workspace/staging/**
  - id: ask-prod
    action: fs.write
    resource: /workspace/prod/**
`;
    await withAgentBench(
      { policy, files: { 'staging/.keep': '', 'prod/.keep': '' }, script: [writeVia('/workspace/current/app.conf', 'replicas: 0'), done] },
      async (bench, { client }) => {
        fs.symlinkSync('staging', path.join(bench.workspace, 'current'));
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt11-approval-toctou'),
          args: [{ prompt: 'deploy', tools: FILE_TOOLS }],
        });
        await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
        const [pending] = (await handle.query(stateQuery)).pendingApprovals;
        // What the person is shown: the written target, and the reason naming the judged file in staging/.
        assert.equal(pending?.target, '/workspace/current/app.conf');
        assert.match(pending?.reason ?? '', /ask-staging.*\/workspace\/staging\/app\.conf/);
        repoint(bench.workspace, 'current', 'prod');
        await handle.executeUpdate(approveUpdate, { args: [{ requestId: pending!.requestId, allow: true, approver: 'alice' }] });
        const result = await handle.result();
        assert.equal(fs.existsSync(path.join(bench.workspace, 'prod', 'app.conf')), false, 'the approval of staging/app.conf wrote prod/app.conf');
        assert.equal(result.actions[0]?.status, 'DENIED');
        const log = auditLog(bench.logPath);
        assert.deepEqual(
          log.map((r) => [r['status'], r['code']]),
          [['DENIED', 'Kernel.DecisionChanged']],
        );
      },
    );
  });
});
