import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Executor } from '../../src/activities/tool';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { rollbackUpdate, stateQuery } from '../../src/workflows/messages';
import { rollbackRun } from '../../src/workflows/rollback-run';
import type { AgentRunInput } from '../../src/workflows/types';
import { FILE_TOOLS, withAgentBench, type AgentBench } from '../helpers/agent';
import { activitySummaries } from '../helpers/history';
import { maybeRecordHistory } from '../helpers/record-history';
import { temporal, uniqueId } from '../helpers/temporal';
import { createGate, snapshotTree, waitFor } from '../helpers/workspace-snapshot';

const write = (p: string, content: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: p, content } }] } });
const crash: ScriptStep = { error: { status: 400, message: 'scripted crash after the writes' } };

function seedFiles(workspace: string): void {
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'output', 'text.md'), 'original text\n');
  fs.chmodSync(path.join(workspace, 'output', 'text.md'), 0o640);
  fs.writeFileSync(path.join(workspace, 'output', 'blob.bin'), Buffer.from([0, 255, 1, 254, 10, 13, 0]));
  fs.chmodSync(path.join(workspace, 'output', 'blob.bin'), 0o600);
}

/** Seeds the workspace, pictures it, and starts an agentRun on the bench's worker. */
async function startSeeded(bench: AgentBench, client: Client, workflowId: string, input: AgentRunInput) {
  seedFiles(bench.workspace);
  const before = snapshotTree(bench.workspace);
  const handle = await client.workflow.start(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [input] });
  return { handle, before };
}

async function failureType(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected the run to fail, got ${String(err)}`);
  const cause = err.cause as { type?: string; name?: string; cause?: { type?: string } };
  return cause.type ?? cause.cause?.type ?? cause.name;
}

describe('saga compensation on the real dev server', () => {
  test('saga: run fails after three writes → every file byte- and mode-identical to before, created file and folder gone', async () => {
    await withAgentBench(
      {
        reversible: true,
        script: [
          write('/workspace/output/text.md', 'overwritten'),
          write('/workspace/output/blob.bin', 'not binary anymore'),
          write('/workspace/output/new/dir/created.md', 'brand new'),
          crash,
        ],
      },
      async (bench, { client }) => {
        const workflowId = uniqueId('saga-fail');
        const { handle, before } = await startSeeded(bench, client, workflowId, { prompt: 'write three files', tools: FILE_TOOLS });
        assert.equal(await failureType(handle.result()), 'Model.BadRequest');
        assert.deepEqual(snapshotTree(bench.workspace), before);
        const summaries = activitySummaries(await handle.fetchHistory());
        const undos = summaries.filter((s) => s.startsWith('undo '));
        assert.deepEqual(undos, [
          'undo fs.write /workspace/output/new/dir/created.md',
          'undo fs.write /workspace/output/blob.bin',
          'undo fs.write /workspace/output/text.md',
        ]);
        const state = await handle.query(stateQuery);
        assert.deepEqual(
          state.compensations.map((c) => c.state),
          ['undone', 'undone', 'undone'],
        );
        maybeRecordHistory((await temporal()).address, workflowId, 'agent-run-compensated');
      },
    );
  });

  test('saga: run cancelled while a write is in flight → the write finishes, then is undone; files as before', async () => {
    const gate = createGate();
    let inFlight = false;
    const wrap = (inner: Executor): Executor => ({
      async submit(request, options) {
        if (request.target.endsWith('slow.md')) {
          inFlight = true;
          await gate.passed;
        }
        return inner.submit(request, options);
      },
    });
    await withAgentBench(
      {
        reversible: true,
        wrapExecutor: wrap,
        script: [write('/workspace/output/text.md', 'changed'), write('/workspace/output/slow.md', 'slow'), { reply: { content: 'done' } }],
      },
      async (bench, { client }) => {
        const { handle, before } = await startSeeded(bench, client, uniqueId('saga-cancel'), { prompt: 'write slowly', tools: FILE_TOOLS });
        await waitFor(() => inFlight, 'the slow write to be in flight');
        await handle.cancel();
        gate.open();
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError, 'a cancelled run fails');
        assert.deepEqual(snapshotTree(bench.workspace), before);
        const undos = activitySummaries(await handle.fetchHistory()).filter((s) => s.startsWith('undo '));
        assert.deepEqual(undos, ['undo fs.write /workspace/output/slow.md', 'undo fs.write /workspace/output/text.md']);
      },
    );
  });

  test('saga: run deadline passes while the model thinks → Budget.Deadline, writes undone', async () => {
    const gate = createGate();
    await withAgentBench(
      {
        reversible: true,
        script: async (_request, index) => {
          if (index === 0) return write('/workspace/output/text.md', 'changed before the deadline');
          await gate.passed;
          return undefined;
        },
      },
      async (bench, { client }) => {
        const { handle, before } = await startSeeded(bench, client, uniqueId('saga-deadline'), {
          prompt: 'think slowly',
          tools: FILE_TOOLS,
          budgets: { deadlineMs: 1500 },
        });
        try {
          assert.equal(await failureType(handle.result()), 'Budget.Deadline');
        } finally {
          gate.open();
        }
        assert.deepEqual(snapshotTree(bench.workspace), before);
      },
    );
  });

  test('saga: rollback update on a running run → one record, then all; unknown and repeated ids rejected', async () => {
    const gate = createGate();
    await withAgentBench(
      {
        reversible: true,
        script: async (_request, index) => {
          if (index === 0) return write('/workspace/output/text.md', 'first change');
          if (index === 1) return write('/workspace/output/blob.bin', 'second change');
          if (index === 2) {
            await gate.passed;
            return { reply: { content: 'finished' } };
          }
          return undefined;
        },
      },
      async (bench, { client }) => {
        const { handle, before } = await startSeeded(bench, client, uniqueId('saga-update'), { prompt: 'two writes', tools: FILE_TOOLS });
        await waitFor(async () => (await handle.query(stateQuery)).compensations.filter((c) => c.state === 'applied').length === 2, 'two applied writes');
        const [first, second] = (await handle.query(stateQuery)).compensations;
        const one = await handle.executeUpdate(rollbackUpdate, { args: [{ recordId: first!.recordId! }] });
        assert.deepEqual(
          one.undone.map((u) => [u.target, u.status]),
          [['/workspace/output/text.md', 'OK']],
        );
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'text.md'), 'utf8'), 'original text\n');
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'blob.bin'), 'utf8'), 'second change');

        const rejection = (p: Promise<unknown>) =>
          p.then(
            () => 'accepted',
            (e: { cause?: { message?: string } }) => e.cause?.message ?? String(e),
          );
        assert.match(await rejection(handle.executeUpdate(rollbackUpdate, { args: [{ recordId: first!.recordId! }] })), /already undone/);
        assert.match(await rejection(handle.executeUpdate(rollbackUpdate, { args: [{ recordId: 'no-such-record' }] })), /unknown record/);

        const all = await handle.executeUpdate(rollbackUpdate, { args: [{ all: true }] });
        assert.deepEqual(
          all.undone.map((u) => [u.recordId, u.status]),
          [[second!.recordId, 'OK']],
        );
        assert.deepEqual(snapshotTree(bench.workspace), before);
        gate.open();
        const result = await handle.result();
        assert.equal(result.output, 'finished');
        assert.deepEqual(
          result.compensations.map((c) => c.state),
          ['undone', 'undone'],
        );
      },
    );
  });

  test('saga: rollbackRun of a finished run → restored; a second rollback changes nothing; a later edit is a conflict, not overwritten', async () => {
    await withAgentBench(
      {
        reversible: true,
        script: [write('/workspace/output/text.md', 'agent edit'), write('/workspace/output/fresh.md', 'new file'), { reply: { content: 'done' } }],
      },
      async (bench, { client }) => {
        seedFiles(bench.workspace);
        const before = snapshotTree(bench.workspace);
        const workflowId = uniqueId('saga-finished');
        const result = await client.workflow.execute(agentRun, { taskQueue: bench.taskQueue, workflowId, args: [{ prompt: 'edit', tools: FILE_TOOLS }] });
        assert.deepEqual(
          result.compensations.map((c) => c.state),
          ['applied', 'applied'],
        );

        // A person edits one file after the run: its undo must report a conflict.
        fs.writeFileSync(path.join(bench.workspace, 'output', 'fresh.md'), 'edited by a person');
        const rollbackId = uniqueId('rollback');
        const first = await client.workflow.execute(rollbackRun, {
          taskQueue: bench.taskQueue,
          workflowId: rollbackId,
          args: [{ workflowId, compensations: result.compensations }],
        });
        maybeRecordHistory((await temporal()).address, rollbackId, 'rollback-run-conflict');
        assert.deepEqual(
          first.undone.map((u) => [u.target, u.status]),
          [
            ['/workspace/output/fresh.md', 'CONFLICT'],
            ['/workspace/output/text.md', 'OK'],
          ],
        );
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'fresh.md'), 'utf8'), 'edited by a person');
        assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'text.md'), 'utf8'), 'original text\n');

        const second = await client.workflow.execute(rollbackRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('rollback'),
          args: [{ workflowId, compensations: result.compensations, recordIds: [result.compensations[0]!.recordId!] }],
        });
        assert.deepEqual(
          second.undone.map((u) => u.status),
          ['NOOP'],
        );
        fs.writeFileSync(path.join(bench.workspace, 'output', 'fresh.md'), 'new file');
        fs.rmSync(path.join(bench.workspace, 'output', 'fresh.md'));
        assert.deepEqual(snapshotTree(bench.workspace), before);

        const bad = await client.workflow
          .execute(rollbackRun, {
            taskQueue: bench.taskQueue,
            workflowId: uniqueId('rollback-bad'),
            args: [{ workflowId, compensations: result.compensations, recordIds: 'all' } as never],
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        assert.ok(bad instanceof WorkflowFailedError);
        assert.equal((bad.cause as { type?: string }).type, 'Run.InvalidInput');
        assert.match((bad.cause as Error).message, /invalid rollbackRun input: recordIds: expected an array of record ids, got the string "all"/);
      },
    );
  });
});
