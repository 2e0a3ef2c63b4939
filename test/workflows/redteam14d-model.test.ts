/**
 * redteam14d: a model's argument that no URL can hold (a lone surrogate) for a URL-template
 * tool is refused and recorded like any malformed argument; it wedged the run. Runs on the
 * dev server with a scripted model on loopback.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentRun } from '../../src/workflows/agent-run';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { withAgentBench } from '../helpers/agent';
import { readLog } from '../kernel/kernel-helpers';
import { uniqueId } from '../helpers/temporal';

/** [action, target, status, code] of each record. */
const rows = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => [r['action'], r['target'], r['status'], r['code']]);

/** A tool whose target is a URL template: the model's `id` is URL-encoded into it. */
const GET_USER: ToolDefSpec = {
  name: 'get_user',
  description: 'GET a user',
  parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  action: 'net.http',
  targetFrom: 'https://api.example.com/users/{id}',
  params: { method: 'GET' },
};

describe('redteam14d: a lone surrogate in a URL template argument', () => {
  test('agent run: {"id":"\\ud800"} for a URL-template tool → one ERROR Tool.InvalidArguments record and an answer; the run goes on (it was wedged: encodeURIComponent threw in the workflow)', async () => {
    // JSON text with an escaped lone surrogate: valid JSON, but no URL can encode it.
    const args = '{"id":"\\ud800"}';
    await withAgentBench(
      { script: [{ reply: { toolCalls: [{ name: 'get_user', arguments: args, id: 'c1' }] } }, { reply: { content: 'done' } }] },
      async (bench, { client }) => {
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt14d-uri'),
          args: [{ prompt: 'get', tools: [GET_USER] }],
          // Bounds the test: a run whose workflow task fails again and again never ends by itself.
          workflowExecutionTimeout: '30 seconds',
        });
        const result = await handle.result();
        assert.equal(result.output, 'done');
        assert.equal(result.actions.length, 1);
        assert.equal(result.actions[0]?.status, 'ERROR');
        assert.equal(result.actions[0]?.code, 'Tool.InvalidArguments');
        assert.deepEqual(rows(readLog(bench.logPath)), [['net.http', 'tool:get_user', 'ERROR', 'Tool.InvalidArguments']]);
        const answer = bench.model.requests[1]!.messages.find((m) => m.role === 'tool');
        assert.match(String(answer?.content), /argument \\"id\\" of get_user cannot be put into a URL/);
      },
    );
  });
});
