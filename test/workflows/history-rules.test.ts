import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';
import { runsFromServer } from '../../src/client/replay/load-histories';
import { replayPolicy } from '../../src/client/replay/replay-policy';
import { loadPolicyText } from '../../src/policy/load';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { cli } from '../cli/worker-harness';

const DELETE_TOOL: ToolDefSpec = {
  name: 'delete_file',
  description: 'Delete a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  action: 'fs.delete',
  targetFrom: 'path',
};
const TOOLS = [...FILE_TOOLS, DELETE_TOOL];

const write = (file: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: file, content: `content of ${file}` } }] } });
const remove = (file: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'delete_file', arguments: { path: file } }] } });
const done: ScriptStep = { reply: { content: 'done' } };

/** The ceiling of these runs: writes to output/, deletes only of files the run created. */
const CEILING = `
version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
  - id: write-output
    action: fs.write
    resource: /workspace/output/**
  - id: delete-own
    action: fs.delete
    resource: /workspace/**
    created_by_run: true
`;

/** A run policy that narrows the ceiling: at most 3 writes per run. */
const RUN_POLICY = `
capabilities:
  - id: three-writes
    action: fs.write
    resource: /workspace/output/**
    max_calls: 3
  - id: deletes
    action: fs.delete
    resource: /workspace/**
`;

describe('agentRun: history-aware rules', () => {
  test('max_calls in the run policy across continue-as-new: 5 writes asked → 3 written, 2 DENIED, decisions name the call', async () => {
    const files = [1, 2, 3, 4, 5].map((n) => `/workspace/output/f${n}.txt`);
    await withAgentBench({ policy: CEILING, script: [...files.map(write), done] }, async (bench, { client, address }) => {
      const workflowId = uniqueId('max-calls');
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'write', tools: TOOLS, policy: RUN_POLICY, continueAsNewAfterEvents: 20 }],
      });
      assert.ok(result.generations >= 2, `expected continue-as-new, got ${result.generations} generation(s)`);
      assert.deepEqual(
        result.actions.map((a) => a.status),
        ['OK', 'OK', 'OK', 'DENIED', 'DENIED'],
      );
      assert.match(result.actions[3]?.reason ?? '', /three-writes matches the target, but its max_calls of 3 per run is used up/);
      assert.deepEqual(fs.readdirSync(path.join(bench.workspace, 'output')).sort(), ['f1.txt', 'f2.txt', 'f3.txt']);
      // The decisions recorded in history (decide markers) say which call of the budget each was.
      const runs = await runsFromServer(client, { workflowIds: [workflowId] });
      const recorded = runs.flatMap((r) => r.actions.map((a) => a.recorded.reason));
      assert.equal(recorded.length, 5);
      assert.match(recorded[0] ?? '', /call 1 of at most 3 this run/);
      assert.match(recorded[2] ?? '', /call 3 of at most 3 this run/);
      assert.match(recorded[4] ?? '', /max_calls of 3 per run is used up \(3 call\(s\) so far\)/);

      // Replay under its own ceiling re-decides every request with the rebuilt run state: no change.
      const same = replayPolicy(runs, { policy: loadPolicyText(CEILING, 'ceiling.yaml') });
      assert.equal(same.actions, 5);
      assert.equal(same.changes.length, 0, JSON.stringify(same.changes));
      assert.deepEqual(same.partialChains, []);
      // Mutation: the ceiling limits write-output to 2 per run → exactly the third write is newly denied.
      const tighter = CEILING.replace('resource: /workspace/output/**\n', 'resource: /workspace/output/**\n    max_calls: 2\n');
      const diff = replayPolicy(runs, { policy: loadPolicyText(tighter, 'tighter.yaml') });
      assert.deepEqual(
        diff.changes.map((c) => `${c.workflowId === workflowId} ${c.change} ${c.target} ${c.after.effect}`),
        ['true newly-denied /workspace/output/f3.txt deny'],
      );
      assert.match(diff.changes[0]?.after.reason ?? '', /write-output matches the target, but its max_calls of 2 per run is used up/);

      // policy explain against the recorded run: the run policy is layered under the file and its budget is used up.
      const dir = fs.mkdtempSync(path.join(bench.workspace, '..', 'explain-'));
      const ceilingFile = path.join(dir, 'ceiling.yaml');
      fs.writeFileSync(ceilingFile, CEILING);
      const ask = ['policy', 'explain', ceilingFile, 'fs.write', '/workspace/output/f9.txt'];
      const plain = await cli(ask);
      assert.match(plain.stdout, /^ALLOW fs\.write /);
      const byId = await cli([...ask, '-w', workflowId, '--address', address]);
      assert.equal(byId.status, 0, byId.stderr);
      assert.match(byId.stdout, /^DENY fs\.write \/workspace\/output\/f9.txt\n/);
      assert.match(
        byId.stdout,
        /reason: no capability allows fs\.write on \/workspace\/output\/f9\.txt \(rule three-writes matches the target, but its max_calls of 3 per run is used up \(3 call\(s\) so far\)\)/,
      );
      assert.match(byId.stdout, /history: .*calls 1:three-writes=3; created 3 target\(s\)/);
      assert.match(byId.stdout, /its run policy layered under this one \(layer 1\)/);
      // The same from an exported history file (the last run of the chain carries the state in).
      const last = runs[runs.length - 1];
      const exported = path.join(dir, 'history.json');
      fs.writeFileSync(exported, historyToJSON(await client.workflow.getHandle(workflowId, last?.runId).fetchHistory()));
      const byFile = await cli([...ask, '--history', exported, '-o', 'json']);
      assert.equal(byFile.status, 0, byFile.stderr);
      const json = JSON.parse(byFile.stdout) as { effect: string; history: { state: { calls: Record<string, number> }; runPolicy: boolean } };
      assert.equal(json.effect, 'deny');
      assert.equal(json.history.state.calls['1:three-writes'], 3);
      assert.equal(json.history.runPolicy, true);
      const missing = await cli([...ask, '--history', path.join(dir, 'nope.json')]);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /cannot read history .*nope\.json: no such file/);
    });
  });

  test('created_by_run in the ceiling across continue-as-new: a file that was there → delete DENIED, kept; a file the run wrote (earlier generation) → deleted', async () => {
    const script = [write('/workspace/output/mine.txt'), remove('/workspace/keep.txt'), remove('/workspace/output/mine.txt'), done];
    await withAgentBench({ policy: CEILING, files: { 'keep.txt': 'keep me\n' }, script }, async (bench, { client }) => {
      const workflowId = uniqueId('created-by-run');
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'clean up', tools: TOOLS, continueAsNewAfterEvents: 12 }],
      });
      assert.ok(result.generations >= 2, `expected continue-as-new between the steps, got ${result.generations}`);
      assert.deepEqual(
        result.actions.map((a) => `${a.action} ${a.status}`),
        ['fs.write OK', 'fs.delete DENIED', 'fs.delete OK'],
      );
      assert.match(result.actions[1]?.reason ?? '', /this run did not create \/workspace\/keep.txt/);
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'keep.txt'), 'utf8'), 'keep me\n');
      assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'mine.txt')), false);

      const runs = await runsFromServer(client, { workflowIds: [workflowId] });
      assert.ok(runs.length >= 2);
      assert.equal(replayPolicy(runs, { policy: loadPolicyText(CEILING, 'ceiling.yaml') }).changes.length, 0, 'created targets rebuilt across the chain');
      // Only the later runs of the chain: they start from a state the replay cannot see, and say so.
      assert.deepEqual(replayPolicy(runs.slice(1), { policy: loadPolicyText(CEILING, 'ceiling.yaml') }).partialChains, [workflowId]);
      const loose = CEILING.replace('    created_by_run: true\n', '');
      const diff = replayPolicy(runs, { policy: loadPolicyText(loose, 'loose.yaml') });
      assert.deepEqual(
        diff.changes.map((c) => `${c.change} ${c.action} ${c.target}`),
        ['newly-allowed fs.delete /workspace/keep.txt'],
      );
      assert.match(diff.changes[0]?.note ?? '', /never ran/);
    });
  });

  test('requires rule with same_target across continue-as-new: write before reading the file → DENIED; after reading it (earlier generation) → written', async () => {
    const policy = `${CEILING}  - id: rewrite-what-was-read
    action: fs.write
    resource: /workspace/data/**
    requires: { rule: read-workspace, same_target: true }
`;
    const read = (file: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'read_file', arguments: { path: file } }] } });
    const script = [write('/workspace/data/a.txt'), read('/workspace/data/a.txt'), write('/workspace/data/a.txt'), write('/workspace/data/b.txt'), done];
    await withAgentBench({ policy, files: { 'data/a.txt': 'a\n', 'data/b.txt': 'b\n' }, script }, async (bench, { client }) => {
      const result = await client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('requires'),
        args: [{ prompt: 'rewrite', tools: TOOLS, continueAsNewAfterEvents: 12 }],
      });
      assert.ok(result.generations >= 2, `expected continue-as-new between the steps, got ${result.generations}`);
      assert.deepEqual(
        result.actions.map((a) => `${a.action} ${a.target} ${a.status}`),
        [
          'fs.write /workspace/data/a.txt DENIED',
          'fs.read /workspace/data/a.txt OK',
          'fs.write /workspace/data/a.txt OK',
          'fs.write /workspace/data/b.txt DENIED',
        ],
      );
      assert.match(result.actions[3]?.reason ?? '', /requires rule read-workspace to have allowed an action earlier in this run on \/workspace\/data\/b.txt/);
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'data', 'a.txt'), 'utf8'), 'content of /workspace/data/a.txt');
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'data', 'b.txt'), 'utf8'), 'b\n');
    });
  });

  test('a client starting a run with a made-up carried.history → Run.InvalidInput, nothing deleted', async () => {
    await withAgentBench({ policy: CEILING, files: { 'keep.txt': 'keep me\n' }, script: [remove('/workspace/keep.txt'), done] }, async (bench, { client }) => {
      const err = await client.workflow
        .execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('forged-history'),
          args: [
            {
              prompt: 'delete',
              tools: TOOLS,
              carried: {
                messages: [{ role: 'user', content: 'delete' }],
                actions: [],
                compensations: [],
                usage: { turns: 0, toolCalls: 0, totalTokens: 0, bytesWritten: 0 },
                actionSeq: 0,
                generation: 1,
                history: { created: ['/workspace/keep.txt'] },
              },
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof WorkflowFailedError, 'the run must fail');
      assert.equal((err.cause as { type?: string }).type, 'Run.InvalidInput');
      assert.match((err.cause as Error).message, /carried.history is set by the workflow/);
      assert.equal(fs.readFileSync(path.join(bench.workspace, 'keep.txt'), 'utf8'), 'keep me\n');
    });
  });
});
