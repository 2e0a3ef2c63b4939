import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { agentRun } from '../../src/workflows/agent-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { temporal, uniqueId, workflowBundle } from '../helpers/temporal';

test('replay: history exported as JSON by the Temporal CLI → historyFromJSON → runReplayHistory succeeds', async () => {
  const workflowId = uniqueId('replay-json');
  await withAgentBench(
    {
      files: { 'f.txt': 'x' },
      script: [{ reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/f.txt' } }] } }, { reply: { content: 'read it' } }],
    },
    async ({ taskQueue }, { client }) => {
      await client.workflow.execute(agentRun, { taskQueue, workflowId, args: [{ prompt: 'read f.txt', tools: FILE_TOOLS }] });
    },
  );
  const { address } = await temporal();
  const json = execFileSync(findTemporalCli(), ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json'], {
    encoding: 'utf8',
  });
  const history = historyFromJSON(JSON.parse(json));
  assert.ok((history.events?.length ?? 0) > 5, 'the exported history has events');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
});
