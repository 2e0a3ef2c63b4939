import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { maybeRecordHistory } from '../helpers/record-history';
import { runsFromServer } from '../../src/client/replay/load-histories';
import { replayPolicy } from '../../src/client/replay/replay-policy';
import { loadPolicyText } from '../../src/policy/load';
import { readLog } from '../kernel/kernel-helpers';

const DELETE_TOOL: ToolDefSpec = {
  name: 'delete_file',
  description: 'Delete a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  action: 'fs.delete',
  targetFrom: 'path',
};
const TOOLS = [...FILE_TOOLS, DELETE_TOOL];

/** Writes to output/ only; no fs.delete grant but created_by_run. */
const CEILING = `
version: 1
capabilities:
  - id: write-output
    action: fs.write
    resource: /workspace/output/**
  - id: delete-own
    action: fs.delete
    resource: /workspace/**
    created_by_run: true
`;

const write = (file: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: file, content: `content of ${file}` } }] } });
const remove = (file: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'delete_file', arguments: { path: file } }] } });

describe('agentRun: created_by_run is bound to the file the run created (F3)', () => {
  test('the run creates a.txt and b.txt; another actor renames their file over a.txt; across continue-as-new the run deletes both → a.txt ERROR Fs.Replaced (their file kept), b.txt deleted', async () => {
    let workspace = '';
    const steps = [
      write('/workspace/output/a.txt'),
      write('/workspace/output/b.txt'),
      remove('/workspace/output/a.txt'),
      remove('/workspace/output/b.txt'),
      { reply: { content: 'done' } },
    ];
    const script = (_request: unknown, index: number): ScriptStep | undefined => {
      // Between the run's steps: someone else (a person, a program with workspace write access) does `mv precious.txt output/a.txt`.
      if (index === 2) fs.renameSync(path.join(workspace, 'precious.txt'), path.join(workspace, 'output', 'a.txt'));
      return steps[index];
    };
    await withAgentBench({ policy: CEILING, files: { 'precious.txt': 'theirs\n' }, script }, async (bench, { client, address }) => {
      workspace = bench.workspace;
      const workflowId = uniqueId('created-file-replaced');
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'clean up', tools: TOOLS, continueAsNewAfterEvents: 30 }],
      });
      assert.ok(result.generations >= 2, `expected continue-as-new between the steps, got ${result.generations}`);
      assert.deepEqual(
        result.actions.map((a) => `${a.action} ${a.target} ${a.status} ${a.code ?? ''}`),
        [
          'fs.write /workspace/output/a.txt OK ',
          'fs.write /workspace/output/b.txt OK ',
          'fs.delete /workspace/output/a.txt ERROR Fs.Replaced',
          'fs.delete /workspace/output/b.txt OK ',
        ],
      );
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'a.txt'), 'utf8'), 'theirs\n', 'a file the run never created was deleted');
      assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'b.txt')), false);
      // Exactly one audit record per tool call, the refused delete's with its code.
      const records = readLog(bench.logPath).filter((r) => typeof r['status'] === 'string');
      assert.deepEqual(
        records.map((r) => r['status']),
        ['OK', 'OK', 'ERROR', 'OK'],
      );
      assert.match(JSON.stringify(records[2]), /Fs\.Replaced/);
      // The identity crossed continue-as-new in the carried run state, never in what the model saw.
      const runs = await runsFromServer(client, { workflowIds: [workflowId] });
      const carried = runs.map((r) => JSON.stringify(r.carriedHistory ?? {})).join(' ');
      assert.match(carried, /"createdFiles":\["\d+:\d+:\d+ \/workspace\/output\/a\.txt","\d+:\d+:\d+ \/workspace\/output\/b\.txt"\]/);
      assert.doesNotMatch(JSON.stringify(bench.model.requests), /createdFile|\d+:\d+:\d{12,}/);
      // policy replay rebuilds the created targets by path: same decisions.
      assert.equal(replayPolicy(runs, { policy: loadPolicyText(CEILING, 'ceiling.yaml') }).changes.length, 0);
      maybeRecordHistory(address, workflowId, 'agent-run-created-file-replaced');
    });
  });
});
