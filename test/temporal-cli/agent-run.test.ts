import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { createAgentWorker } from '../../src/worker/worker';
import { Kernel } from '../../src/kernel/kernel';
import { createChat } from '../../src/model/chat';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { stateQuery } from '../../src/workflows/messages';
import type { AgentRunResult, PendingApproval } from '../../src/workflows/types';
import { FILE_TOOLS } from '../helpers/agent';
import { temporal, uniqueId, workflowBundle } from '../helpers/temporal';
import { cli } from '../cli/worker-harness';

const POLICY = `version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
ask:
  - id: confirm-output
    action: fs.write
    resource: /workspace/output/**
`;

function script(request: ReceivedRequest): ScriptStep {
  const tool = request.messages.find((m) => m.role === 'tool');
  if (!tool) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/out.md', content: 'approved text' } }] } };
  return { reply: { content: `write said ${(JSON.parse(tool.content ?? '{}') as { status: string }).status}` } };
}

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

/** Asks `read` until it returns a value (a condition wait on the run's state, bounded). */
async function until<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pendingOf(client: Client, workflowId: string): Promise<PendingApproval> {
  return until(
    async () =>
      (
        await client.workflow
          .getHandle(workflowId)
          .query(stateQuery)
          .catch(() => undefined)
      )?.pendingApprovals[0],
    'a pending approval',
  );
}

async function withAskWorker(
  fn: (ctx: { taskQueue: string; workspace: string; address: string; client: Client; logPath: string }) => Promise<void>,
): Promise<void> {
  const t = await temporal();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
  const workspace = path.join(root, 'ws');
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
  const kernel = new Kernel({
    policy: path.join(root, 'policy.yaml'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })],
    logPath: path.join(root, 'kernel.log'),
  });
  const model = await ScriptedModelServer.start(script);
  const taskQueue = uniqueId('temporal-cli');
  try {
    const worker = await createAgentWorker({
      connection: t.nativeConnection,
      taskQueue,
      kernel,
      chat: createChat({ baseURL: model.baseURL, apiKey: 'test', model: 'scripted' }),
      model: 'scripted',
      workflowBundle: await workflowBundle(),
    });
    await worker.runUntil(() => fn({ taskQueue, workspace, address: t.address, client: t.client, logPath: path.join(root, 'kernel.log') }));
  } finally {
    await model.close();
    await kernel.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('the real Temporal CLI drives agent runs', () => {
  test('temporal CLI: workflow start → ask pending; workflow update execute approve → write runs; workflow show lists it', async () => {
    await withAskWorker(async ({ taskQueue, workspace, address, client, logPath }) => {
      const workflowId = uniqueId('cli-start');
      const input = JSON.stringify({ prompt: 'write the output', tools: FILE_TOOLS });
      const start = await temporalCli([
        'workflow',
        'start',
        '--type',
        'agentRun',
        '--task-queue',
        taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        input,
        '--address',
        address,
      ]);
      assert.equal(start.status, 0, start.stderr);

      const pending = await pendingOf(client, workflowId);
      assert.equal(pending.action, 'fs.write');
      assert.equal(pending.target, '/workspace/output/out.md');
      assert.equal(fs.existsSync(path.join(workspace, 'output', 'out.md')), false, 'nothing is written before the approval');

      const listed = await until(async () => {
        const out = await cli(['approvals', 'list', '--json'], { TEMPORAL_ADDRESS: address });
        const rows = JSON.parse(out.stdout || '[]') as Array<{ workflowId: string; requestId: string }>;
        return rows.find((r) => r.workflowId === workflowId);
      }, 'the run in `approvals list`');
      assert.equal(listed.requestId, pending.requestId);

      const update = await temporalCli([
        'workflow',
        'update',
        'execute',
        '--name',
        'approve',
        '--workflow-id',
        workflowId,
        '--address',
        address,
        '--input',
        JSON.stringify({ requestId: pending.requestId, allow: true, approver: 'ops@example.com', reason: 'reviewed' }),
      ]);
      assert.equal(update.status, 0, update.stderr);

      const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
      assert.equal(result.output, 'write said OK');
      assert.equal(fs.readFileSync(path.join(workspace, 'output', 'out.md'), 'utf8'), 'approved text');
      assert.equal(result.actions[0]?.approver, 'ops@example.com');
      // The record names the typed-in approver and, beside it, who Temporal says sent the update: the CLI.
      const [record] = fs
        .readFileSync(logPath, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(record?.['approved_by'], 'ops@example.com');
      assert.match(String(record?.['approval_identity']), /temporal-cli/);

      const show = await temporalCli(['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--output', 'json']);
      assert.equal(show.status, 0, show.stderr);
      assert.match(show.stdout, /WorkflowExecutionUpdateAccepted|workflowExecutionUpdateAccepted|EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED/);
      assert.match(show.stdout, /executeAction/);
      assert.match(show.stdout, /WORKFLOW_EXECUTION_COMPLETED|WorkflowExecutionCompleted/);
    });
  });

  test('agent-os approve --deny → the write is refused and the model is told so', async () => {
    await withAskWorker(async ({ taskQueue, workspace, address, client }) => {
      const workflowId = uniqueId('cli-deny');
      await client.workflow.start('agentRun', { taskQueue, workflowId, args: [{ prompt: 'write', tools: FILE_TOOLS }] });
      const pending = await pendingOf(client, workflowId);
      const denied = await cli(['approve', workflowId, pending.requestId, '--deny', '--reason', 'not today', '--approver', 'ops', '--json'], {
        TEMPORAL_ADDRESS: address,
      });
      assert.equal(denied.status, 0, denied.stderr);
      assert.deepEqual(JSON.parse(denied.stdout), { workflowId, requestId: pending.requestId, allow: false, approver: 'ops' });
      const result = (await client.workflow.getHandle(workflowId).result()) as AgentRunResult;
      assert.equal(result.output, 'write said DENIED');
      assert.equal(fs.existsSync(path.join(workspace, 'output', 'out.md')), false);

      const again = await cli(['approve', workflowId, pending.requestId, '--allow'], { TEMPORAL_ADDRESS: address });
      assert.equal(again.status, 1, 'a finished run cannot be approved');
    });
  });
});
