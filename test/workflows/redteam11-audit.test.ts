/**
 * redteam11-audit: every action a run takes must leave a record in the history-based audit
 * trail (`audit export`), also when the run is cancelled or terminated while the action is
 * in flight. The provider here has its effect at once and then waits (an HTTP POST whose
 * request went out, waiting for its answer), ignoring the abort.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertKernelGrant } from '../../src/kernel/grant';
import type { ActionRequest, ExecutionContext, Provider, ResolvedRequest } from '../../src/kernel/types';
import { exportRunAudit } from '../../src/client/run-export';
import { stepOf, type RunStep } from '../../src/client/run-progress';
import { agentRun } from '../../src/workflows/agent-run';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { stateQuery } from '../../src/workflows/messages';
import { readLog } from '../kernel/kernel-helpers';
import { uniqueId } from '../helpers/temporal';
import { createGate, waitFor } from '../helpers/workspace-snapshot';

const POLICY = `
version: 1
capabilities:
  - id: post-notes
    action: note.post
    resource: "**"
`;

const POST_TOOL: ToolDefSpec = {
  name: 'post_note',
  description: 'Post a note.',
  parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
  action: 'note.post',
  targetFrom: 'topic',
};

/** Posts at once (the effect), then waits for `gate` before answering, whatever the signal says. */
class SlowPoster implements Provider {
  readonly name = 'slow-poster';
  readonly actions = ['note.post'];
  readonly posted: string[] = [];
  constructor(private readonly gate: Promise<void>) {}
  async resolve(request: ActionRequest): Promise<ResolvedRequest> {
    return { action: request.action, target: request.target, canonicalTarget: request.target, params: request.params ?? {} };
  }
  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<unknown> {
    assertKernelGrant(context, this.name);
    this.posted.push(request.canonicalTarget);
    await this.gate;
    return 'posted';
  }
}

const script = [{ reply: { toolCalls: [{ name: 'post_note', arguments: { topic: 'hello' } }] } }, { reply: { content: 'done' } }];

describe('redteam11-audit: actions in flight when a run ends are in its exported audit trail', () => {
  for (const end of ['cancel', 'terminate'] as const) {
    test(`audit export: run ${end === 'cancel' ? 'cancelled' : 'terminated'} while note.post is in flight → the export has a record of it, naming the kernel's record`, async () => {
      const gate = createGate();
      const poster = new SlowPoster(gate.passed);
      try {
        await withAgentBench({ policy: POLICY, providers: [poster], script }, async (bench, { client }) => {
          const workflowId = uniqueId(`rt11-${end}`);
          const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'post', tools: [POST_TOOL] }] });
          await waitFor(() => poster.posted.length === 1, 'the post to be in flight');
          if (end === 'cancel') await handle.cancel();
          else await handle.terminate('operator');
          // The kernel answers the abort at once (ERROR Kernel.Aborted, "outcome unknown"), with its record.
          await waitFor(() => readLog(bench.logPath).some((r) => r['action'] === 'note.post'), 'the kernel record of the post');
          await handle.result().catch(() => undefined);
          const kernelRecord = readLog(bench.logPath).find((r) => r['action'] === 'note.post');
          assert.ok(kernelRecord, 'the kernel log has the post');
          assert.equal(poster.posted.length, 1, 'the effect happened');

          const { records } = await exportRunAudit(client, workflowId);
          const exported = records.filter((r) => r.action === 'note.post');
          assert.equal(exported.length, 1, `the export has exactly one record of the post (got ${JSON.stringify(records.map((r) => [r.action, r.status]))})`);
          assert.notEqual(exported[0]?.status, 'OK', 'not claimed to have succeeded');
          if (end === 'cancel') {
            // The cancelled activity carries the kernel's answer: the export names its record.
            assert.equal(exported[0]?.kernel_record, kernelRecord['hash']);
            assert.equal(exported[0]?.status, kernelRecord['status']);
            // The run's progress (agent-os run / dev) shows the step too.
            const summaries = new Map<string, string>();
            const steps: RunStep[] = [];
            for (const event of (await handle.fetchHistory()).events ?? []) {
              const step = stepOf(event, summaries);
              if (step) steps.push(step);
            }
            assert.ok(
              steps.some((s) => s.summary.startsWith('note.post hello')),
              `the cancelled step is shown: ${JSON.stringify(steps.map((s) => s.summary))}`,
            );
          }
        });
      } finally {
        gate.open();
      }
    });
  }
});

describe('redteam11-audit: hostile model output still ends in one record per call', () => {
  test('agent run: a tool call whose arguments nest 20,000 levels deep → one refusal record, the run goes on (not a workflow task failing forever)', async () => {
    const depth = 20_000;
    const nested = `{"path":"/workspace/output/a.md","content":"x","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    await withAgentBench(
      { script: [{ reply: { toolCalls: [{ name: 'write_file', arguments: nested }] } }, { reply: { content: 'done' } }] },
      async (bench, { client }) => {
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt11-nested'),
          args: [{ prompt: 'nest', tools: FILE_TOOLS }],
          workflowExecutionTimeout: '20 seconds',
        });
        const result = await handle.result();
        assert.equal(result.actions.length, 1);
        assert.notEqual(result.actions[0]?.status, 'OK');
        const records = readLog(bench.logPath);
        assert.equal(records.length, 1, `one kernel record of the call: ${JSON.stringify(records)}`);
        assert.notEqual(records[0]?.['status'], 'OK');
      },
    );
  });
});

describe('redteam11-audit: a call waiting for approval when its run is cancelled', () => {
  test('agent run: cancelled while an ask waits for a person → the call still has its one record (DENIED, not approved) in the kernel log and the export', async () => {
    const policy = `${AGENT_POLICY}
ask:
  - id: ask-deploy
    action: fs.write
    resource: /workspace/deploy/**
`;
    const deploy = { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/deploy/app.conf', content: 'replicas: 3' } }] } };
    await withAgentBench({ policy, script: [deploy, { reply: { content: 'done' } }] }, async (bench, { client }) => {
      const workflowId = uniqueId('rt11-ask-cancel');
      const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'deploy', tools: FILE_TOOLS }] });
      await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
      await handle.cancel();
      await handle.result().catch(() => undefined);
      const records = readLog(bench.logPath).filter((r) => r['target'] === '/workspace/deploy/app.conf');
      assert.equal(records.length, 1, `one kernel record of the asked call: ${JSON.stringify(readLog(bench.logPath))}`);
      assert.equal(records[0]?.['status'], 'DENIED');
      const { records: exported } = await exportRunAudit(client, workflowId);
      assert.equal(exported.filter((r) => r.target === '/workspace/deploy/app.conf').length, 1);
    });
  });
});
