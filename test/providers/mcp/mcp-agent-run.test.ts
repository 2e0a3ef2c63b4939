import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentRun } from '../../../src/workflows/agent-run';
import { McpProvider } from '../../../src/providers/mcp/provider';
import { mcpToolDefs, offerToolDef } from '../../../src/providers/mcp/tools';
import { withAgentBench } from '../../helpers/agent';
import { activitySummaries } from '../../helpers/history';
import { uniqueId } from '../../helpers/temporal';
import { readLog } from '../../kernel/kernel-helpers';
import { EXAMPLE_SERVER } from './mcp-fixture';

test('agentRun with MCP tools: the scripted model calls my_server__echo (allowed) and my_server__add (denied by params) → one audit record per call, summaries show the decision', async () => {
  const mcp = new McpProvider({ servers: { my_server: { command: ['node', EXAMPLE_SERVER] } } });
  await withAgentBench(
    {
      policy:
        "capabilities:\n  - action: mcp.call\n    resource: 'my_server/{echo,add}'\n    constraint: { params: { a: { max: 10 } } }\n  - id: echo\n    action: mcp.call\n    resource: my_server/echo\n",
      providers: [mcp],
      script: [
        { reply: { toolCalls: [{ name: 'my_server__echo', arguments: { text: 'hi' } }] } },
        { reply: { toolCalls: [{ name: 'my_server__add', arguments: { a: 100, b: 1 } }] } },
        { reply: { content: 'done' } },
      ],
    },
    async (bench, { client }) => {
      const { offers } = await mcpToolDefs(mcp, bench.kernel);
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('mcp-agent'),
        args: [{ prompt: 'go', tools: offers.map(offerToolDef) }],
      });
      const result = await handle.result();
      assert.equal(result.output, 'done');
      assert.deepEqual(
        result.actions.map((a) => [a.tool, a.action, a.target, a.decision, a.status]),
        [
          ['my_server__echo', 'mcp.call', 'my_server/echo', 'allow', 'OK'],
          ['my_server__add', 'mcp.call', 'my_server/add', 'deny', 'DENIED'],
        ],
      );
      assert.deepEqual(
        readLog(bench.logPath).map((r) => [r['canonical_target'], r['status']]),
        [
          ['my_server/echo', 'OK'],
          ['my_server/add', 'DENIED'],
        ],
      );
      const summaries = await activitySummaries(await handle.fetchHistory());
      assert.ok(
        summaries.some((s) => /^mcp\.call my_server\/add → DENIED/.test(s)),
        summaries.join('\n'),
      );
    },
  );
});
