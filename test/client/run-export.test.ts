import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditJsonl } from '../../src/client/history-audit';
import { exportRunAudit } from '../../src/client/run-export';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { agentRun } from '../../src/workflows/agent-run';
import { rollbackRun } from '../../src/workflows/rollback-run';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { tempDir } from '../kernel/kernel-helpers';

const CALLS = 12;

test('exportRunAudit: a run across continue-as-new plus a later rollbackRun → one chain with every action and every undo (action, target, undo_of), verifying and anchoring the kernel log', async () => {
  await withAgentBench(
    {
      reversible: true,
      script: (request) => {
        const done = request.messages.filter((m) => m.role === 'tool').length;
        if (done < CALLS)
          return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/f${done}.txt`, content: `file ${done}` } }] } };
        return { reply: { content: 'done' } };
      },
    },
    async (bench, { client }) => {
      fs.mkdirSync(path.join(bench.workspace, 'output'));
      const workflowId = uniqueId('export-chain');
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'write files', tools: FILE_TOOLS, budgets: { maxTurns: CALLS + 1 }, continueAsNewAfterEvents: 60 }],
      });
      assert.ok(result.generations >= 2, `expected continue-as-new, got ${result.generations} generation(s)`);
      await client.workflow.execute(rollbackRun, {
        taskQueue: bench.taskQueue,
        workflowId: `${workflowId}-rollback-1`,
        args: [{ workflowId, compensations: result.compensations }],
      });

      const exported = await exportRunAudit(client, workflowId);
      assert.ok(exported.runs.length >= 2);
      assert.deepEqual(exported.rollbacks, [`${workflowId}-rollback-1`]);
      const writes = exported.records.filter((r) => r.undo_of === undefined);
      const undos = exported.records.filter((r) => r.undo_of !== undefined);
      assert.equal(writes.length, CALLS, 'every action of every run of the chain');
      assert.equal(undos.length, CALLS, 'every undo of the later rollback');
      for (const u of undos) {
        assert.equal(u.action, 'fs.write');
        assert.match(u.target, /^\/workspace\/output\/f\d+\.txt$/);
        assert.match(u.kernel_record ?? '', /^[0-9a-f]{64}$/, 'the undo names its kernel-log record');
      }
      assert.deepEqual(new Set(undos.map((u) => u.target)), new Set(writes.map((w) => w.target)));
      for (const w of writes) assert.match(w.kernel_record ?? '', /^[0-9a-f]{64}$/, 'each action names its kernel-log record');
      const byTarget = new Map(writes.map((w) => [w.target, w.kernel_record]));
      for (const u of undos) assert.equal(u.undo_of_hash, byTarget.get(u.target), 'an undo names the kernel record of the action it undoes');

      const file = path.join(tempDir(), 'export.jsonl');
      fs.writeFileSync(file, auditJsonl(exported.records));
      const verified = await verifyAuditLog(file);
      assert.deepEqual([verified.ok, verified.records], [true, 2 * CALLS], JSON.stringify(verified.problems));
      // The export anchors the kernel log: its kernel records must all be there.
      await bench.kernel.close();
      const anchored = await verifyAuditLog(bench.logPath, { anchors: [file] });
      assert.equal(anchored.ok, true, JSON.stringify(anchored.problems));
      // Truncating the kernel log by its last record (an undo) → the export no longer finds it there.
      const lines = fs
        .readFileSync(bench.logPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      fs.writeFileSync(
        bench.logPath,
        lines
          .slice(0, -1)
          .map((l) => `${l}\n`)
          .join(''),
      );
      fs.rmSync(`${bench.logPath}.head`, { force: true });
      const cut = await verifyAuditLog(bench.logPath, { anchors: [file] });
      assert.equal(cut.ok, false);
      assert.match(cut.problems.map((p) => p.message).join('\n'), /of the run export is not in the log/);
    },
  );
});
