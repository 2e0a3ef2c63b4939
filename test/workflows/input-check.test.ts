import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { loadToolsText } from '../../src/client/tools-file';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { rollbackUpdate, stateQuery } from '../../src/workflows/messages';
import { agentRun } from '../../src/workflows/agent-run';
import { mapToolCall, type ToolDefSpec } from '../../src/workflows/tool-defs';
import type { AgentRunResult } from '../../src/workflows/types';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { maybeRecordHistory } from '../helpers/record-history';
import { temporal, uniqueId } from '../helpers/temporal';
import { waitFor } from '../helpers/workspace-snapshot';

/** Runs the real `temporal` binary. */
function temporalCli(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(findTemporalCli(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const readFile = {
  name: 'read_file',
  description: 'Read a file.',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  action: 'fs.read',
};

/** Malformed start inputs, as a user would type them into `temporal workflow start --input`, and what the failure must say. */
const MALFORMED: ReadonlyArray<{ readonly kind: string; readonly input: unknown; readonly message: RegExp }> = [
  {
    kind: 'a tool with only name and target_from',
    input: { prompt: 'x', tools: [{ name: 'read_file', target_from: 'path' }] },
    message: /tools\[0\]\.description: missing; expected a string.*tools\[0\]\.parameters: missing.*tools\[0\]\.action: missing/,
  },
  {
    kind: 'a tool given by name only',
    input: { prompt: 'x', tools: ['read_file'] },
    message: /tools\[0\]: expected a tool definition \{ name, description, parameters, action, targetFrom, params\? \}.*got the string "read_file"/,
  },
  { kind: 'no prompt', input: { tools: [] }, message: /prompt: missing; expected a non-empty string/ },
  { kind: 'not an object', input: 'summarise data.csv', message: /\(input\): expected an object \{ prompt/ },
  { kind: 'maxTurns zero', input: { prompt: 'x', maxTurns: 0 }, message: /maxTurns: expected a positive integer \(model turns\), got the number 0/ },
  {
    kind: 'a budget as text',
    input: { prompt: 'x', budgets: { maxToolCalls: 'ten' } },
    message: /budgets\.maxToolCalls: expected a positive integer \(tool calls\), got the string "ten"/,
  },
  {
    kind: 'an unknown budget',
    input: { prompt: 'x', budgets: { maxTokens: 5 } },
    message: /budgets\.maxTokens: unknown field; allowed: maxTurns, maxToolCalls, maxModelTokens, maxBytesWritten, deadlineMs/,
  },
  { kind: 'tools as an object', input: { prompt: 'x', tools: { read_file: readFile } }, message: /tools: expected an array of tool definitions/ },
  {
    kind: 'a tool name with a space',
    input: { prompt: 'x', tools: [{ ...readFile, name: 'read file', targetFrom: 'path' }] },
    message: /tools\[0\]\.name: expected a function name matching/,
  },
  {
    kind: 'an upper-case action',
    input: { prompt: 'x', tools: [{ ...readFile, action: 'FS.READ', targetFrom: 'path' }] },
    message: /tools\[0\]\.action: expected a kernel action such as "fs\.read"/,
  },
  {
    kind: 'two tools with one name',
    input: {
      prompt: 'x',
      tools: [
        { ...readFile, targetFrom: 'path' },
        { ...readFile, targetFrom: 'path' },
      ],
    },
    message: /tools\[1\]\.name: "read_file" is used by an earlier tool/,
  },
  {
    kind: 'targetFrom and target_from both',
    input: { prompt: 'x', tools: [{ ...readFile, targetFrom: 'path', target_from: 'file' }] },
    message: /tools\[0\]: give targetFrom or its alias target_from, not both/,
  },
  {
    kind: 'parameters that are no JSON Schema',
    input: { prompt: 'x', tools: [{ ...readFile, parameters: { type: 'nope' }, targetFrom: 'path' }] },
    message: /tools\[0\]\.parameters: not a valid JSON Schema/,
  },
  {
    kind: 'a policy that is not text',
    input: { prompt: 'x', policy: { version: 1 } },
    message: /policy: expected the YAML text of a run policy, got an object/,
  },
  { kind: 'a misspelt field', input: { promt: 'x', prompt: 'y' }, message: /promt: unknown field; allowed: prompt, instructions, tools/ },
  { kind: 'an empty workspace queue', input: { prompt: 'x', workspaceQueue: '' }, message: /workspaceQueue: expected a task queue name/ },
];

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

function workflowTaskFailures(history: History): number {
  return (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
}

function failureOf(history: History): { type: string | null | undefined; message: string | null | undefined } | undefined {
  const failed = (history.events ?? []).find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes?.failure;
  return failed ? { type: failed.applicationFailureInfo?.type, message: failed.message } : undefined;
}

describe('agentRun checks its input at the door', () => {
  test('mapToolCall: malformed tool definitions (runs started before the door check) → answered as errors, never a TypeError', () => {
    const call = { id: 'c1', name: 'read_file', arguments: '{"path":"/workspace/a.txt"}' };
    const noTarget = mapToolCall([{ name: 'read_file', target_from: 'path' } as unknown as ToolDefSpec], call);
    assert.deepEqual(noTarget.ok ? undefined : [noTarget.code, noTarget.error], [
      'Tool.InvalidDefinition',
      'the definition of tool read_file is invalid: description must be a string',
    ]);
    const byName = mapToolCall(['read_file'] as unknown as ToolDefSpec[], call);
    assert.deepEqual(byName.ok ? undefined : [byName.code, byName.error], ['Tool.UnknownTool', 'unknown tool "read_file"; available: (none)']);
  });

  test(`input check: ${MALFORMED.length} kinds of malformed input started with the temporal CLI → each run fails with Run.InvalidInput naming the field, no workflow task fails`, async () => {
    assert.ok(MALFORMED.length >= 10);
    await withAgentBench({ script: [] }, async (bench, { client, address }) => {
      for (const { kind, input, message } of MALFORMED) {
        const workflowId = uniqueId('bad-input');
        const start = await temporalCli([
          'workflow',
          'start',
          '--type',
          'agentRun',
          '--task-queue',
          bench.taskQueue,
          '--workflow-id',
          workflowId,
          '--input',
          JSON.stringify(input),
          '--address',
          address,
        ]);
        assert.equal(start.status, 0, `${kind}: ${start.stderr}`);
        const handle = client.workflow.getHandle(workflowId);
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError, `${kind}: the run must fail`);
        const history = await handle.fetchHistory();
        const failure = failureOf(history);
        assert.equal(failure?.type, 'Run.InvalidInput', `${kind}: ${failure?.message}`);
        assert.match(failure?.message ?? '', /^invalid agentRun input: /, kind);
        assert.match(failure?.message ?? '', message, kind);
        assert.equal(workflowTaskFailures(history), 0, `${kind}: no workflow task failed`);
        if (kind === 'a tool given by name only') maybeRecordHistory(address, workflowId, 'agent-run-invalid-input');
      }
      assert.equal(bench.model.requests.length, 0, 'the model is never called for bad input');
    });
  });

  test('input check: one tool JSON with target_from → accepted the same from the temporal CLI, the client and a tools file', async () => {
    const wire = { ...readFile, target_from: 'path' };
    const fromFile = loadToolsText(JSON.stringify({ tools: [wire] }), 'tools.json');
    assert.deepEqual(fromFile, [{ ...readFile, targetFrom: 'path' }]);
    assert.deepEqual(
      loadToolsText(JSON.stringify({ tools: [{ ...readFile, targetFrom: 'path' }] }), 'tools.json'),
      fromFile,
      'the tools file also takes the wire name',
    );
    const call = { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/a.txt' } }] } };
    await withAgentBench(
      { files: { 'a.txt': 'A' }, script: [call, { reply: { content: 'one' } }, call, { reply: { content: 'two' } }] },
      async (bench, { client, address }) => {
        const viaCli = uniqueId('alias-cli');
        const start = await temporalCli([
          'workflow',
          'start',
          '--type',
          'agentRun',
          '--task-queue',
          bench.taskQueue,
          '--workflow-id',
          viaCli,
          '--input',
          JSON.stringify({ prompt: 'read a', tools: [wire] }),
          '--address',
          address,
        ]);
        assert.equal(start.status, 0, start.stderr);
        const cliResult = (await client.workflow.getHandle(viaCli).result()) as AgentRunResult;
        const clientResult = await client.workflow.execute(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('alias-client'),
          args: [{ prompt: 'read a', tools: [wire as never] }],
        });
        for (const result of [cliResult, clientResult]) {
          assert.deepEqual(
            result.actions.map((a) => [a.action, a.target, a.status]),
            [['fs.read', '/workspace/a.txt', 'OK']],
          );
        }
      },
    );
  });

  test('input check: malformed rollback and approve updates → rejected by their validators, the run goes on', async () => {
    const { client } = await temporal();
    await withAgentBench(
      {
        policy: 'version: 1\nask:\n  - id: ask-read\n    action: fs.read\n    resource: /workspace/**\n',
        files: { 'a.txt': 'A' },
        script: [{ reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/a.txt' } }] } }, { reply: { content: 'done' } }],
      },
      async (bench) => {
        const handle = await client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('bad-updates'),
          args: [{ prompt: 'read', tools: FILE_TOOLS, approvalTimeoutMs: 60_000 }],
        });
        const rejected = (p: Promise<unknown>) =>
          p.then(
            () => 'accepted',
            (e: { cause?: { message?: string } }) => e.cause?.message ?? String(e),
          );
        for (const bad of [{}, { recordId: 5 }, { all: 'yes' }, { recordId: 'x', all: true }, 'everything']) {
          assert.match(
            await rejected(handle.executeUpdate(rollbackUpdate, { args: [bad as never] })),
            /rollback needs \{ recordId: string \} or \{ all: true \}/,
            JSON.stringify(bad),
          );
        }
        const approve = (arg: unknown) => rejected(handle.executeUpdate('approve', { args: [arg] }));
        assert.match(await approve({ requestId: 'approval-1', allow: 'yes' }), /approve needs \{ requestId: string, allow: boolean/);
        assert.match(await approve({ requestId: 'approval-1', allow: true, approver: 42 }), /approver must be a string/);
        assert.match(await approve({ requestId: 'approval-1', allow: true, comment: 'hi' }), /unknown field\(s\): comment/);
        await waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval');
        await handle.executeUpdate('approve', { args: [{ requestId: 'approval-1', allow: true, approver: 'alice' }] });
        const result = await handle.result();
        assert.equal(result.actions[0]?.status, 'OK');
      },
    );
  });
});
