import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ActivityCode } from '../../src/activities/error-codes';
import { RunPolicyViews } from '../../src/activities/run-policy';
import { StartPolicyUnreadable, startInputPolicy, type FetchStartPolicy } from '../../src/activities/run-policy-lookup';
import { runPolicyRef } from '../../src/activities/run-policy-ref';
import { createToolActivities } from '../../src/activities/tool';
import { runsFromServer } from '../../src/client/replay/load-histories';
import { replayPolicy } from '../../src/client/replay/replay-policy';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { FilesystemProvider } from '../../src/providers/filesystem';
import type { ReceivedRequest, ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { AGENT_POLICY, FILE_TOOLS, withAgentBench, type AgentBench } from '../helpers/agent';
import { waitFor } from '../helpers/poll';
import type { TestTemporal } from '../helpers/temporal';
import { uniqueId } from '../helpers/temporal';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** Narrower than AGENT_POLICY: under the worker's ceiling alone, output/private/ would be writable. */
const RUN_POLICY = 'version: 1\ncapabilities:\n  - id: run-public\n    action: fs.write\n    resource: /workspace/output/public/**\n';

const write = (file: string): ScriptStep => ({
  reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${file}`, content: 'x' } }] },
});

/** A workspace host: activities only, its own kernel over the bench's workspace, views that never saw the run. */
async function withWorkspaceHost<T>(
  bench: AgentBench,
  t: TestTemporal,
  build: (kernel: Kernel) => object,
  fn: (queue: string, logPath: string) => Promise<T>,
): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lean-host-'));
  fs.writeFileSync(path.join(dir, 'policy.yaml'), AGENT_POLICY);
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({
    policy: path.join(dir, 'policy.yaml'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': bench.workspace } })],
    logPath,
  });
  const queue = uniqueId('lean-host');
  const worker = await Worker.create({ connection: t.nativeConnection, namespace: t.namespace, taskQueue: queue, activities: build(kernel) });
  try {
    return await worker.runUntil(fn(queue, logPath));
  } finally {
    await kernel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function auditLog(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every payload of a history as text, with where it sits. */
function payloadTexts(history: History): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    const started = e.workflowExecutionStartedEventAttributes;
    const where = started ? 'start' : scheduled ? `${scheduled.activityType?.name}` : `event ${String(e.eventId)}`;
    const payloads = [...(started?.input?.payloads ?? []), ...(scheduled?.input?.payloads ?? [])];
    for (const p of payloads) out.push({ where, text: Buffer.from(p.data ?? []).toString('utf8') });
    const marker = e.markerRecordedEventAttributes;
    for (const d of Object.values(marker?.details ?? {}))
      for (const p of d.payloads ?? []) out.push({ where: 'marker', text: Buffer.from(p.data ?? []).toString('utf8') });
  }
  return out;
}

async function chain(client: Client, workflowId: string): Promise<History[]> {
  const runs: Array<{ runId: string; start: number }> = [];
  for await (const e of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` }))
    runs.push({ runId: e.runId, start: e.startTime.getTime() });
  runs.sort((a, b) => a.start - b.start);
  return Promise.all(runs.map((r) => client.workflow.getHandle(workflowId, r.runId).fetchHistory()));
}

describe('lean history: the run policy travels once', () => {
  test('lean history: a run with its own policy, continued as new, on a workspace host that never saw it start → the YAML once per run (its start input), steps carry sha256 refs, the host finds the policy in history and enforces it', async () => {
    // Unknown-tool calls (refused on the run's own worker) until the run has continued as new,
    // then two writes bound to the workspace host: one the run policy allows, one only the ceiling would.
    const script = (request: ReceivedRequest): ScriptStep => {
      const done = request.messages.filter((m) => m.role === 'tool').length;
      if (done < 4) return { reply: { toolCalls: [{ name: 'nope', arguments: {} }] } };
      if (done === 4) return write('public/a.txt');
      if (done === 5) return write('private/b.txt');
      return { reply: { content: 'done' } };
    };
    await withAgentBench({ script }, async (bench, t) => {
      const fetched: Array<{ runId: string; found: unknown }> = [];
      const counting: FetchStartPolicy = async () => {
        const found = await startInputPolicy();
        fetched.push({ runId: Context.current().info.workflowExecution?.runId ?? '?', found });
        return found;
      };
      await withWorkspaceHost(
        bench,
        t,
        (kernel) => createToolActivities(kernel, kernel, new RunPolicyViews(kernel, counting)),
        async (queue, hostLog) => {
          const workflowId = uniqueId('lean-run');
          const handle = await t.client.workflow.start(agentRun, {
            taskQueue: bench.taskQueue,
            workflowId,
            args: [{ prompt: 'write', tools: FILE_TOOLS, policy: RUN_POLICY, workspaceQueue: queue, continueAsNewAfterEvents: 20 }],
          });
          const result = await handle.result();
          assert.equal(result.output, 'done');
          assert.ok(result.generations >= 1, `expected a continue-as-new, got ${result.generations} generations`);

          // Enforced on the host: the narrowing held although the host never saw the run start.
          assert.equal(fs.readFileSync(path.join(bench.workspace, 'output', 'public', 'a.txt'), 'utf8'), 'x');
          assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'private', 'b.txt')), false);
          assert.deepEqual(
            auditLog(hostLog).map((r) => [r['action'], r['target'], r['status']]),
            [
              ['fs.write', '/workspace/output/public/a.txt', 'OK'],
              ['fs.write', '/workspace/output/private/b.txt', 'DENIED'],
            ],
          );
          assert.equal(fetched.length, 1, 'read from history once, then served from the host’s views');
          assert.notEqual(fetched[0]!.runId, handle.firstExecutionRunId, 'the host first met the run after it continued as new');
          assert.equal(fetched[0]!.found, RUN_POLICY);

          // In history: the text once per run (its start input); every recorded step carries the ref.
          const ref = runPolicyRef(RUN_POLICY);
          const escaped = JSON.stringify(RUN_POLICY).slice(1, -1);
          const histories = await chain(t.client, workflowId);
          assert.equal(histories.length, result.generations + 1);
          let steps = 0;
          for (const history of histories) {
            const texts = payloadTexts(history);
            assert.deepEqual(
              texts.filter((p) => p.text.includes(escaped)).map((p) => p.where),
              ['start'],
            );
            for (const p of texts.filter((x) => x.where === 'executeAction' || x.where === 'decideAction')) {
              steps++;
              assert.equal((JSON.parse(p.text) as { runPolicy?: string }).runPolicy, ref, p.text);
            }
          }
          assert.equal(steps, 4, 'two remote decides and two executes');
        },
      );
    });
  });

  test('lean history: the workspace host restarted while a step waits for approval → the new host process reads the policy from history again and enforces it', async () => {
    // The ceiling asks before writes under output/public/review/; the run policy allows output/public/ only.
    const policy = `${AGENT_POLICY}ask:\n  - id: ask-review\n    action: fs.write\n    resource: /workspace/output/public/review/**\n`;
    await withAgentBench({ policy, script: [write('public/review/a.txt'), write('private/b.txt'), { reply: { content: 'done' } }] }, async (bench, t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lean-restart-'));
      fs.writeFileSync(path.join(dir, 'policy.yaml'), policy);
      const kernel = new Kernel({
        policy: path.join(dir, 'policy.yaml'),
        providers: [new FilesystemProvider({ mounts: { '/workspace': bench.workspace } })],
        logPath: path.join(dir, 'kernel.log'),
      });
      const queue = uniqueId('lean-restart');
      const reads: string[] = [];
      // Each "process" of the host: a worker with its own, empty views.
      const host = (name: string) =>
        Worker.create({
          connection: t.nativeConnection,
          namespace: t.namespace,
          taskQueue: queue,
          activities: createToolActivities(
            kernel,
            kernel,
            new RunPolicyViews(kernel, async () => {
              reads.push(name);
              return startInputPolicy();
            }),
          ),
        });
      try {
        const handle = await t.client.workflow.start(agentRun, {
          taskQueue: bench.taskQueue,
          workflowId: uniqueId('lean-restart'),
          args: [{ prompt: 'write', tools: FILE_TOOLS, policy: RUN_POLICY, workspaceQueue: queue }],
        });
        const first = await host('first');
        await first.runUntil(waitFor(async () => (await handle.query(stateQuery)).pendingApprovals.length === 1, 'a pending approval'));
        assert.deepEqual(reads, ['first'], 'the first process decided with the policy from history');
        const second = await host('second');
        const result = await second.runUntil(async () => {
          await handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow: true, approver: 'alice' }] });
          return handle.result();
        });
        assert.deepEqual(reads, ['first', 'second'], 'the restarted process read it again');
        assert.deepEqual(
          result.actions.map((a) => [a.target, a.status]),
          [
            ['/workspace/output/public/review/a.txt', 'OK'],
            ['/workspace/output/private/b.txt', 'DENIED'],
          ],
        );
        assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'private', 'b.txt')), false);
      } finally {
        await kernel.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test('lean history: executeAction on a host that cannot find the run policy → Run.PolicyUnavailable, one audit record, nothing written', async () => {
    await withAgentBench({ script: [write('public/a.txt'), { reply: { content: 'done' } }] }, async (bench, t) => {
      const unreadable: FetchStartPolicy = async () => {
        throw new StartPolicyUnreadable("the run's history is not readable by this worker: permission denied");
      };
      await withWorkspaceHost(
        bench,
        t,
        (kernel) => ({
          ...createToolActivities(kernel, kernel, new RunPolicyViews(kernel)),
          executeAction: createToolActivities(kernel, kernel, new RunPolicyViews(kernel, unreadable)).executeAction,
        }),
        async (queue, hostLog) => {
          const result = await t.client.workflow.execute(agentRun, {
            taskQueue: bench.taskQueue,
            workflowId: uniqueId('lean-unavailable'),
            args: [{ prompt: 'write', tools: FILE_TOOLS, policy: RUN_POLICY, workspaceQueue: queue }],
          });
          assert.deepEqual(
            result.actions.map((a) => [a.decision, a.status, a.code]),
            [['allow', 'ERROR', ActivityCode.PolicyUnavailable]],
          );
          assert.equal(fs.existsSync(path.join(bench.workspace, 'output', 'public', 'a.txt')), false);
          const log = auditLog(hostLog);
          assert.deepEqual(
            log.map((r) => [r['action'], r['status'], r['code']]),
            [['fs.write', 'ERROR', ActivityCode.PolicyUnavailable]],
          );
          assert.match(String(log[0]!['error']), /permission denied/);
        },
      );
    });
  });

  test('lean history: policy replay of a lean run (decided on its own worker) → each step’s sha256 ref resolved from the start input, the same decisions re-derived', async () => {
    await withAgentBench({ script: [write('public/a.txt'), write('private/b.txt'), { reply: { content: 'done' } }] }, async (bench, t) => {
      const workflowId = uniqueId('lean-replay');
      await t.client.workflow.execute(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId,
        args: [{ prompt: 'write', tools: FILE_TOOLS, policy: RUN_POLICY }],
      });
      const [history] = await chain(t.client, workflowId);
      const executes = payloadTexts(history!).filter((p) => p.where === 'executeAction');
      assert.deepEqual(
        executes.map((p) => (JSON.parse(p.text) as { runPolicy?: string }).runPolicy),
        [runPolicyRef(RUN_POLICY), runPolicyRef(RUN_POLICY)],
      );
      const runs = await runsFromServer(t.client, { workflowIds: [workflowId] });
      assert.deepEqual(
        runs.flatMap((r) => r.actions).map((a) => [a.target, a.recorded.effect, a.runPolicy === RUN_POLICY]),
        [
          ['/workspace/output/public/a.txt', 'allow', true],
          ['/workspace/output/private/b.txt', 'deny', true],
        ],
      );
      const report = replayPolicy(runs, { policy: loadPolicyText(AGENT_POLICY, 'agent.yaml') });
      assert.equal(report.counts.unchanged, 2, JSON.stringify(report));
    });
  });
});
