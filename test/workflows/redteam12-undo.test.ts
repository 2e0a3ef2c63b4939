/**
 * Red team (undo), the saga's side: an undo that cannot do its job must say so. A compensation
 * whose action took effect (`applied`) but whose record is gone from the snapshot store — swept
 * after its ttl, evicted by `maxRecords`, or deleted by whoever can write the store — cannot be
 * undone; it must not be reported as `NOOP` "the action never took effect" (the CLI exits 0 and
 * the agent's changes stay, silently).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentRun } from '../../src/workflows/agent-run';
import { rollbackRun } from '../../src/workflows/rollback-run';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';

const write = (p: string, content: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: p, content } }] } });

describe('red team: undo of an applied action whose record is gone', () => {
  test('rollbackRun after the store swept the records (ttl passed) → ERROR Reversible.UnknownRecord for each applied write, never NOOP; files untouched', async () => {
    await withAgentBench(
      {
        reversible: true,
        files: { 'output/a.md': 'original\n' },
        script: [write('/workspace/output/a.md', 'agent edit'), write('/workspace/output/b.md', 'new file'), { reply: { content: 'done' } }],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('rt12-gone');
        const result = await client.workflow.execute(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'edit', tools: FILE_TOOLS }] });
        assert.deepEqual(
          result.compensations.map((c) => c.state),
          ['applied', 'applied'],
        );
        // Eight days later: the default ttl (7 days) has passed and a sweep removed the records.
        const swept = await bench.layer!.store.sweep({ now: Date.now() + 8 * 24 * 3600 * 1000 });
        assert.equal(swept.records, 2);

        const rollback = await client.workflow.execute(rollbackRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt12-rollback'),
          args: [{ workflowId, compensations: result.compensations }],
        });
        assert.deepEqual(
          rollback.undone.map((u) => [u.target, u.status]),
          [
            ['/workspace/output/b.md', 'ERROR'],
            ['/workspace/output/a.md', 'ERROR'],
          ],
        );
        for (const u of rollback.undone) assert.deepEqual([u.code, /record is gone/.test(u.reason ?? '')], ['Reversible.UnknownRecord', true]);
        // Asked again with the states a compensated run reports (failed, record gone): still ERROR, never NOOP.
        const failedStates = result.compensations.map((c) => ({ ...c, state: 'failed' as const, reason: rollback.undone[0]?.reason ?? '' }));
        const again = await client.workflow.execute(rollbackRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rt12-rollback'),
          args: [{ workflowId, compensations: failedStates }],
        });
        assert.deepEqual(
          again.undone.map((u) => u.status),
          ['ERROR', 'ERROR'],
        );
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'a.md'), 'utf8'), 'agent edit');
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'b.md'), 'utf8'), 'new file');
      },
    );
  });
});
