/**
 * redteam14d: lone surrogates in an fs.write's content count against maxBytesWritten as the
 * bytes the write puts on disk (each is written as U+FFFD, 3 bytes). Runs on the dev server
 * with a scripted model on loopback.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { bytesToWrite } from '../../src/workflows/budgets';
import { agentRun } from '../../src/workflows/agent-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { readLog } from '../kernel/kernel-helpers';
import { uniqueId, workflowBundle } from '../helpers/temporal';

/** [action, target, status, code] of each record. */
const rows = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => [r['action'], r['target'], r['status'], r['code']]);

test('bytesToWrite: a lone surrogate counts 3 bytes (U+FFFD), a pair 4, as Buffer.byteLength counts them', () => {
  for (const s of ['\ud800\u4e00', '\ud800\ud800', '\udc00x', 'a\ud800', '\ud83d\ude00', '\ud83d\ude00\ud800\u00e9\udc00', 'é中']) {
    assert.equal(bytesToWrite({ content: s }), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
  }
});

describe('redteam14d: lone surrogates in fs.write content', () => {
  test('budget: 1,000 × "\\ud800\\u4e00" (6,000 bytes on disk: a lone surrogate is written as U+FFFD, 3 bytes) under maxBytesWritten 4,000 → Budget.MaxBytesWritten, nothing written (it was counted as 4,000 bytes and written)', async () => {
    const content = '\\ud800\\u4e00'.repeat(1000); // JSON escapes: the model's text
    const args = `{"path":"/workspace/output/big.txt","content":"${content}"}`;
    await withAgentBench(
      { script: [{ reply: { toolCalls: [{ name: 'write_file', arguments: args, id: 'w1' }] } }, { reply: { content: 'done' } }] },
      async (bench, { client }) => {
        const workflowId = uniqueId('rt14d-bytes');
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId,
          args: [{ prompt: 'write', tools: FILE_TOOLS, budgets: { maxBytesWritten: 4000 } }],
        });
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        const file = path.join(bench.workspace, 'output', 'big.txt');
        const written = fs.existsSync(file) ? fs.statSync(file).size : 0;
        assert.ok(err instanceof WorkflowFailedError, `the run must fail (${written} bytes were written under a budget of 4,000)`);
        assert.equal((err.cause as { type?: string }).type, 'Budget.MaxBytesWritten');
        assert.equal(written, 0);
        assert.deepEqual(rows(readLog(bench.logPath)), [['fs.write', '/workspace/output/big.txt', 'DENIED', 'Budget.MaxBytesWritten']]);
        // The new count is asked behind its patch: the run's history replays on today's code.
        await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory(), workflowId);
      },
    );
  });
});
