import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToAuditRecords } from '../../src/client/history-audit';
import { agentRun } from '../../src/workflows/agent-run';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { maybeRecordHistory } from '../helpers/record-history';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

const POLICY = `${AGENT_POLICY}
ask:
  - id: ask-deploy
    action: fs.write
    resource: /workspace/deploy/**
`;
const DROP_TABLE: ToolDefSpec = {
  name: 'drop_table',
  description: 'Drop a table.',
  parameters: { type: 'object', properties: { table: { type: 'string' } }, required: ['table'] },
  action: 'db.drop',
  targetFrom: 'table',
};

/** The steps of a run that speak for tool calls: executeAction and recordRefusal, with their summaries. */
function callSteps(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name !== 'executeAction' && name !== 'recordRefusal') return [];
    const summary = e.userMetadata?.summary?.data;
    return [`${name}: ${summary ? (JSON.parse(Buffer.from(summary).toString('utf8')) as string) : '(no summary)'}`];
  });
}

function auditLog(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('one audited path per tool call', () => {
  test('audit: allowed, policy-denied, provider-refused (symlink escape), unknown tool, bad JSON, schema-invalid, approval timed out, no provider → one kernel record and one visible step each, all counted', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    await withAgentBench(
      {
        policy: POLICY,
        files: { 'a.txt': 'A' },
        script: [
          {
            reply: {
              toolCalls: [
                { name: 'read_file', arguments: { path: '/workspace/a.txt' } },
                { name: 'write_file', arguments: { path: '/workspace/secrets.txt', content: 'x' } },
                { name: 'read_file', arguments: { path: '/workspace/link.txt' } },
                { name: 'delete_everything', arguments: {} },
                { name: 'read_file', arguments: '{"path": ' },
                { name: 'write_file', arguments: { path: '/workspace/output/x.md' } },
                { name: 'write_file', arguments: { path: '/workspace/deploy/app.conf', content: 'replicas: 3' } },
                { name: 'drop_table', arguments: { table: 'users' } },
              ],
            },
          },
          { reply: { content: 'done' } },
        ],
      },
      async (bench, { client, address }) => {
        fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(bench.workspace, 'link.txt'));
        const workflowId = `audit-every-call-${Date.now()}`;
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'try everything', tools: [...FILE_TOOLS, DROP_TABLE], approvalTimeoutMs: 300 }],
        });
        const result = await handle.result();
        const expected = [
          ['read_file', 'allow', 'OK', undefined],
          ['write_file', 'deny', 'DENIED', 'Policy.Denied'],
          ['read_file', 'invalid', 'DENIED', 'Fs.Escape'],
          ['delete_everything', 'invalid', 'ERROR', 'Tool.UnknownTool'],
          ['read_file', 'invalid', 'ERROR', 'Tool.InvalidArguments'],
          ['write_file', 'invalid', 'ERROR', 'Tool.InvalidArguments'],
          ['write_file', 'ask', 'DENIED', 'Kernel.ApprovalTimedOut'],
          ['drop_table', 'deny', 'DENIED', 'Kernel.NoProvider'],
        ];
        assert.deepEqual(
          result.actions.map((a) => [a.tool, a.decision, a.status, a.code]),
          expected,
        );
        assert.equal(result.usage.toolCalls, 8, 'every call is counted');

        // The kernel log: exactly one record per call, in order, and each action names its record.
        const log = auditLog(bench.logPath);
        assert.equal(log.length, 8, JSON.stringify(log.map((r) => [r['action'], r['status'], r['code']])));
        assert.deepEqual(
          result.actions.map((a) => a.auditRecordId),
          log.map((r) => r['hash']),
        );
        assert.deepEqual(
          log.map((r) => [r['status'], r['code']]),
          expected.map(([, , status, code]) => [status, code]),
        );
        assert.deepEqual(
          log.map((r) => r['idempotency_key']),
          result.actions.map((a) => a.idempotencyKey),
        );
        assert.equal(log[3]?.['action'], 'tool.unknown');
        assert.equal(log[3]?.['target'], 'tool:delete_everything');
        assert.equal(log[2]?.['target'], '/workspace/link.txt');

        // The history: one step per call, each with a summary that says what happened.
        const history = await handle.fetchHistory();
        const steps = callSteps(history);
        assert.deepEqual(steps, [
          'executeAction: fs.read /workspace/a.txt → allow (read-workspace)',
          'executeAction: fs.write /workspace/secrets.txt → DENIED (no capability)',
          'recordRefusal: fs.read /workspace/link.txt → DENIED (Fs.Escape)',
          'recordRefusal: tool.unknown tool:delete_everything → ERROR (Tool.UnknownTool)',
          'recordRefusal: fs.read tool:read_file → ERROR (Tool.InvalidArguments)',
          'recordRefusal: fs.write /workspace/output/x.md → ERROR (Tool.InvalidArguments)',
          'recordRefusal: fs.write /workspace/deploy/app.conf → DENIED (Kernel.ApprovalTimedOut)',
          'executeAction: db.drop users → DENIED (Kernel.NoProvider)',
        ]);
        // The export from history agrees with the kernel log record for record.
        const exported = historyToAuditRecords(history.events ?? [], 'policy');
        assert.deepEqual(
          exported.map((r) => [r.action, r.target, r.status, r.code, r.idempotency_key]),
          log.map((r) => [r['action'], r['target'], r['status'], r['code'], r['idempotency_key']]),
        );
        // The model was answered once per call; nothing escaped or was written.
        assert.equal(bench.model.requests[1]!.messages.filter((m) => m.role === 'tool').length, 8);
        assert.doesNotMatch(JSON.stringify(bench.model.requests[1]!.messages), /top secret/);
        assert.equal(fs.existsSync(path.join(bench.workspace, 'deploy', 'app.conf')), false);
        maybeRecordHistory(address, workflowId, 'agent-run-every-call-audited');
      },
    );
    fs.rmSync(outside, { recursive: true, force: true });
  });

  for (const budget of [
    { name: 'maxToolCalls', budgets: { maxToolCalls: 1 }, type: 'Budget.MaxToolCalls', refused: 'fs.read /workspace/a.txt → DENIED (Budget.MaxToolCalls)' },
    {
      name: 'maxBytesWritten',
      budgets: { maxBytesWritten: 3 },
      type: 'Budget.MaxBytesWritten',
      refused: 'fs.write /workspace/output/b.md → DENIED (Budget.MaxBytesWritten)',
    },
  ]) {
    test(`audit: a call over the ${budget.name} budget → its own DENIED record and visible step, then the run fails with ${budget.type}`, async () => {
      await withAgentBench(
        {
          files: { 'a.txt': 'A' },
          script: [
            {
              reply: {
                toolCalls: [
                  { name: 'read_file', arguments: { path: '/workspace/a.txt' } },
                  budget.name === 'maxToolCalls'
                    ? { name: 'read_file', arguments: { path: '/workspace/a.txt' } }
                    : { name: 'write_file', arguments: { path: '/workspace/output/b.md', content: 'more than three bytes' } },
                ],
              },
            },
          ],
        },
        async (bench, { client }) => {
          const handle = await client.workflow.start(agentRun, {
            taskQueue: bench.taskQueue,
            workflowId: `audit-budget-${budget.name}-${Date.now()}`,
            args: [{ prompt: 'go', tools: FILE_TOOLS, budgets: budget.budgets }],
          });
          const err = await handle.result().then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(err instanceof WorkflowFailedError);
          assert.equal((err.cause as { type?: string }).type, budget.type);
          assert.deepEqual(
            auditLog(bench.logPath).map((r) => [r['status'], r['code']]),
            [
              ['OK', undefined],
              ['DENIED', budget.type],
            ],
          );
          assert.equal(callSteps(await handle.fetchHistory())[1], `recordRefusal: ${budget.refused}`);
          assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'b.md')), false);
        },
      );
    });
  }
});
