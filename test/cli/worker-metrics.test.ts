import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { freePort } from '../../src/dev/free-port';
import { AGENT_POLICY } from '../helpers/agent';
import { repoRoot } from '../helpers/paths';
import { uniqueId } from '../helpers/temporal';
import { cli, startWorkerProcess, type WorkerProcess, scriptedEnv, workerStateArgs } from './worker-harness';

/** read data.csv → write output/report.md → write /etc/passwd (denied) → answer. */
function script(request: ReceivedRequest): ScriptStep {
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (seen === 0) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (seen === 1) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.md', content: 'x' } }] } };
  if (seen === 2) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/etc/passwd', content: 'hacked' } }] } };
  return { reply: { content: 'done' } };
}

/** The value of the first sample line of `metric` whose labels include every `label="value"`. */
function sample(text: string, metric: string, labels: Readonly<Record<string, string>>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('agent-os worker --metrics (real worker, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-metrics-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('metrics');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;
  let endpoint: string;

  before(async () => {
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'data.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(root, 'policy.yaml'), AGENT_POLICY);
    model = await ScriptedModelServer.start(script);
    env = await scriptedEnv(model);
    const bind = `127.0.0.1:${await freePort()}`;
    endpoint = `http://${bind}/metrics`;
    worker = await startWorkerProcess(
      [
        '--policy',
        path.join(root, 'policy.yaml'),
        '--tools',
        path.join(repoRoot, 'examples', 'tools.yaml'),
        '--mount',
        `/workspace=${workspace}`,
        '--task-queue',
        taskQueue,
        ...workerStateArgs(root),
        '--metrics',
        bind,
      ],
      env,
    );
  });

  after(async () => {
    await worker?.stop();
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("metrics: a run that reads, writes and is denied once → the scrape counts each action by status and rule, the denial by code, and the runtime's own metrics", async () => {
    const run = await cli(['run', 'go', '--task-queue', taskQueue, '-w', uniqueId('metrics-run'), '-o', 'json'], env);
    assert.equal(run.status, 0, run.stderr + worker.output());
    const text = await (await fetch(endpoint)).text();
    assert.equal(sample(text, 'agent_os_actions', { action: 'fs.read', status: 'OK', rule: 'read-workspace', kind: 'action' }), 1, text.slice(0, 2000));
    assert.equal(sample(text, 'agent_os_actions', { action: 'fs.write', status: 'OK', rule: 'write-output' }), 1);
    assert.equal(sample(text, 'agent_os_actions', { action: 'fs.write', status: 'DENIED' }), 1);
    assert.equal(sample(text, 'agent_os_denials', { action: 'fs.write', code: 'Policy.Denied' }), 1);
    assert.equal(sample(text, 'agent_os_action_duration_count', { action: 'fs.write' }), 2);
    assert.match(text, /^temporal_\w+/m, "the Temporal runtime's own metrics are on the same endpoint");
  });
});
