/**
 * redteam14d: a step's summary (what the Web UI shows for each tool call) puts the model's
 * target before the kernel's `→ <decision>`. A target that itself reads `→ DENIED (…)` made an
 * allowed write look denied; it is now quoted. Runs on the dev server with a scripted model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentRun } from '../../src/workflows/agent-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { activitySummaries } from '../helpers/history';
import { uniqueId } from '../helpers/temporal';

test('agent run: an allowed write to "/workspace/output/a → DENIED (no capability)" → its summary quotes the target, so the decision after it is the kernel\'s', async () => {
  const target = '/workspace/output/a → DENIED (no capability)';
  await withAgentBench(
    { script: [{ reply: { toolCalls: [{ name: 'write_file', arguments: { path: target, content: 'x' } }] } }, { reply: { content: 'done' } }] },
    async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('rt14d-summary'),
        args: [{ prompt: 'w', tools: FILE_TOOLS }],
      });
      const result = await handle.result();
      assert.equal(result.actions[0]?.status, 'OK');
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'a → DENIED (no capability)'), 'utf8'), 'x');
      const summaries = activitySummaries(await handle.fetchHistory());
      assert.ok(
        summaries.includes(`fs.write ${JSON.stringify(target)} → allow (write-output)`),
        `the write's summary quotes its target: ${JSON.stringify(summaries)}`,
      );
      assert.ok(!summaries.some((s) => s.startsWith(`fs.write ${target}`)), 'no summary shows the bare target');
    },
  );
});
