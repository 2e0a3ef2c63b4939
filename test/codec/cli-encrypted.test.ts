import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { AGENT_POLICY } from '../helpers/agent';
import { repoRoot } from '../helpers/paths';
import { temporal, uniqueId } from '../helpers/temporal';
import { cli, startWorkerProcess, type WorkerProcess, scriptedEnv, workerStateArgs } from '../cli/worker-harness';
import { historyText, keysFile } from './helpers';

const ORIGINAL = '# Report\n\noriginal\n';
const CONTENT = 'a,b\nsecret-row,2\n';

function script(request: ReceivedRequest): ScriptStep {
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (seen === 0) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (seen === 1) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.md', content: '# Report\n\n1 row\n' } }] } };
  return { reply: { content: 'Report written.' } };
}

describe('agent-os worker, run, rollback with codec keys (real processes, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-cli-codec-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('cli-codec');
  const report = path.join(workspace, 'output', 'report.md');
  const tools = path.join(repoRoot, 'examples', 'tools.yaml');
  const keys = keysFile('cli-2026-01');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'data.csv'), CONTENT);
    fs.writeFileSync(path.join(root, 'policy.yaml'), AGENT_POLICY);
    model = await ScriptedModelServer.start(script);
    env = await scriptedEnv(model, { AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: '' });
    worker = await startWorkerProcess(
      [
        '--policy',
        path.join(root, 'policy.yaml'),
        '--tools',
        tools,
        '--mount',
        `/workspace=${workspace}`,
        '--task-queue',
        taskQueue,
        ...workerStateArgs(root),
        '--codec-keys',
        keys,
      ],
      env,
    );
  });

  after(async () => {
    assert.equal(await worker?.stop(), 0, worker?.output());
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('worker --codec-keys → says which key encrypts', () => {
    assert.match(worker.output(), /payloads encrypted with key cli-2026-01/);
  });

  test('run and rollback with AGENT_OS_CODEC_KEYS_FILE → the run completes, its history is ciphertext, the rollback reads it and undoes the write', async () => {
    fs.writeFileSync(report, ORIGINAL);
    const workflowId = uniqueId('cli-codec-run');
    const withKeys = { ...env, AGENT_OS_CODEC_KEYS_FILE: keys };
    const run = await cli(['run', 'Summarise data.csv', '--tools', tools, '--task-queue', taskQueue, '--workflow-id', workflowId, '--json'], withKeys);
    assert.equal(run.status, 0, run.stderr + worker.output());
    assert.equal((JSON.parse(run.stdout) as { result: { output: string } }).result.output, 'Report written.');
    const raw = historyText(await (await temporal()).client.workflow.getHandle(workflowId).fetchHistory());
    assert.ok(!raw.includes('secret-row') && !raw.includes('Summarise data.csv'), 'no plaintext in the stored history');

    const rollback = await cli(['rollback', workflowId, '--all', '--json'], withKeys);
    assert.equal(rollback.status, 0, rollback.stderr + rollback.stdout);
    assert.equal(fs.readFileSync(report, 'utf8'), ORIGINAL);
  });

  test('run without keys against an encrypting worker → the worker accepts the plaintext input, but the keyless CLI cannot read the run: exit 1 with Codec.NoKeys naming the key', async () => {
    const workflowId = uniqueId('cli-codec-nokeys');
    const run = await cli(['run', 'Summarise data.csv', '--tools', tools, '--task-queue', taskQueue, '--workflow-id', workflowId], env);
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, /Codec\.NoKeys: payload encrypted with key "cli-2026-01"/);
    const raw = historyText(await (await temporal()).client.workflow.getHandle(workflowId).fetchHistory());
    assert.ok(raw.includes('Summarise data.csv'), 'the input a keyless client sent is plaintext (docs/threat-model.md says so)');
    assert.ok(!raw.includes('secret-row'), 'what the worker wrote is encrypted');
  });
});
