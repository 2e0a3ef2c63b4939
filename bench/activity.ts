/**
 * What a policy-checked tool call costs on a real Temporal server, beside bare no-op
 * activities on the same server in the same run (ms per call, median of interleaved rounds):
 *
 * - one tool call of `agentRun` (model turn over HTTP to the scripted model, the decision as
 *   a local activity, `executeAction` through `Kernel.submit` writing a file with its audit
 *   record, and the workflow tasks between) vs one bare no-op activity step;
 * - the same vs an agent-shaped no-op step (activity + local activity + activity);
 * - `executeAction` alone (schedule → close, from history) vs a no-op activity (same).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index';
import { startDevServer, type DevServer } from '../src/dev/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../src/worker/search-attributes';
import { Kernel } from '../src/kernel/kernel';
import { createChat } from '../src/model/chat';
import { ScriptedModelServer, type Script } from '../src/dev/scripted-server';
import { FilesystemProvider } from '../src/providers/filesystem';
import { agentRun } from '../src/workflows/agent-run';
import type { BenchRow } from './types';

/** This bench needs a Temporal server (the runner shares one through TEMPORAL_BENCH_ADDRESS). */
export const needsTemporal = true;

const STEPS = Number(process.env['AOK_BENCH_ACTIVITY_STEPS'] ?? 30);
const ROUNDS = 3;
const POLICY = 'version: 1\ncapabilities:\n  - { id: write-output, action: fs.write, resource: "/workspace/output/**" }\n';
const WRITE_TOOL = {
  name: 'write_file',
  description: 'Write a file.',
  action: 'fs.write',
  targetFrom: 'path',
  parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] },
};

const script: Script = (request) => {
  const done = request.messages.filter((m) => m.role === 'tool').length;
  const run = request.messages.find((m) => m.role === 'user')?.content ?? '';
  return done < STEPS
    ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${run}/${done}.txt`, content: 'x'.repeat(256) } }] } }
    : { reply: { content: 'done' } };
};

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** Median schedule → close time (ms) of the activities of `type` in a history. */
function activityMs(history: History, type: string): number {
  const scheduled = new Map<string, number>();
  const spans: number[] = [];
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === type) scheduled.set(String(e.eventId), ms(e.eventTime));
    const done = e.activityTaskCompletedEventAttributes;
    const start = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    if (start !== undefined) spans.push(ms(e.eventTime) - start);
  }
  return median(spans);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** The rows. */
export async function run(): Promise<BenchRow[]> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-bench-activity-')));
  const ws = path.join(root, 'ws');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
  let server: DevServer | undefined;
  const address = process.env['TEMPORAL_BENCH_ADDRESS'] ?? (server = await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES })).address;
  const kernel = new Kernel({
    policy: path.join(root, 'policy.yaml'),
    logPath: path.join(root, 'kernel.log'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
  });
  const model = await ScriptedModelServer.start(script);
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const client = new Client({ connection });
  const logger = new DefaultLogger('ERROR');
  const [agentBundle, noopBundle] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', 'src', 'workflows', 'index.js'), logger }),
    bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'noop-workflow.js'), logger }),
  ]);
  const queue = `bench-activity-${process.pid}-${Date.now()}`;
  const agentWorker = await Worker.create({
    connection: native,
    taskQueue: `${queue}-agent`,
    workflowBundle: agentBundle,
    activities: createActivities({ kernel, chat: createChat({ baseURL: model.baseURL, apiKey: 'bench', model: 'scripted' }), model: 'scripted' }),
  });
  const noopWorker = await Worker.create({
    connection: native,
    taskQueue: `${queue}-noop`,
    workflowBundle: noopBundle,
    activities: { noop: async (i: number) => i },
  });
  const ours: number[] = [];
  const bare: number[] = [];
  const shaped: number[] = [];
  const exec: number[] = [];
  const noopAct: number[] = [];
  try {
    await agentWorker.runUntil(
      noopWorker.runUntil(async () => {
        for (let r = -1; r < ROUNDS; r++) {
          // round -1 warms up
          let t = performance.now();
          const agent = await client.workflow.start(agentRun, {
            taskQueue: `${queue}-agent`,
            workflowId: `${queue}-agent-${r}`,
            args: [{ prompt: `r${r}`, tools: [WRITE_TOOL], maxTurns: STEPS + 5 }],
          });
          await agent.result();
          const perCall = (performance.now() - t) / STEPS;
          t = performance.now();
          const b = await client.workflow.start('noopSteps', { taskQueue: `${queue}-noop`, workflowId: `${queue}-bare-${r}`, args: [STEPS, 'bare'] });
          await b.result();
          const perBare = (performance.now() - t) / STEPS;
          t = performance.now();
          await client.workflow.execute('noopSteps', { taskQueue: `${queue}-noop`, workflowId: `${queue}-shaped-${r}`, args: [STEPS, 'agent'] });
          const perShaped = (performance.now() - t) / STEPS;
          if (r < 0) continue;
          ours.push(perCall);
          bare.push(perBare);
          shaped.push(perShaped);
          exec.push(activityMs(await agent.fetchHistory(), 'executeAction'));
          noopAct.push(activityMs(await b.fetchHistory(), 'noop'));
        }
      }),
    );
  } finally {
    await model.close();
    await kernel.close();
    await native.close();
    await connection.close();
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  const note = `${STEPS} sequential calls per run, ${ROUNDS} rounds`;
  return [
    {
      name: 'agentRun tool call (model turn + decide + policy-checked fs.write) vs bare no-op activity step',
      ours: round(median(ours)),
      baseline: round(median(bare)),
      unit: 'ms/call',
      note,
    },
    {
      name: 'agentRun tool call vs agent-shaped no-op step (activity + local activity + activity)',
      ours: round(median(ours)),
      baseline: round(median(shaped)),
      unit: 'ms/call',
      note,
    },
    {
      name: 'executeAction (policy-checked fs.write, audited) vs no-op activity, schedule→close',
      ours: round(median(exec)),
      baseline: round(median(noopAct)),
      unit: 'ms',
      note: 'from history event times (ms resolution)',
    },
  ];
}

if (require.main === module) {
  void run().then((rows) => console.table(rows));
}
