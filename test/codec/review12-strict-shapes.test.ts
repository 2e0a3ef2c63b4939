/**
 * Review 12: normal runs in strict mode in shapes the codec12 e2e test did not take — a run that
 * continues as new several times, with its fs activities on a workspace-bound queue (remote
 * decide + execute there), and a cancelled run — through a strict worker process and a strict
 * client; then `audit export` reads the whole chain. None may fail with Codec.Misplaced.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { codecDataConverter } from '../../src/codec/data-converter';
import { readKeyRingFile } from '../../src/codec/key-ring';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { AGENT_POLICY, FILE_TOOLS } from '../helpers/agent';
import { waitFor } from '../helpers/poll';
import { temporal, uniqueId } from '../helpers/temporal';
import { cli, startWorkerProcess, type WorkerProcess, scriptedEnv, workerStateArgs } from '../cli/worker-harness';
import { keysFile } from './helpers';

const WRITES = 6;
/** A run policy (read by the decide from the start input of each run of the chain). */
const RUN_POLICY = 'version: 1\ncapabilities:\n  - id: out\n    action: fs.write\n    resource: /workspace/output/**\n';

function script(request: ReceivedRequest): ScriptStep {
  if (JSON.stringify(request.messages).includes('Ask first'))
    return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/ask/x.md', content: 'x\n' } }] } };
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (seen < WRITES) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/f${seen}.md`, content: `n${seen}\n` } }] } };
  return { reply: { content: 'all written' } };
}

describe('review12: strict mode in other run shapes (real worker process, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-r12-strict-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('r12-strict');
  const wsQueue = uniqueId('r12-strict-ws');
  const keys = keysFile('r12-strict');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let strictEnv: NodeJS.ProcessEnv;

  before(async () => {
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.writeFileSync(path.join(root, 'policy.yaml'), `${AGENT_POLICY}ask:\n  - id: ask-write\n    action: fs.write\n    resource: /workspace/ask/**\n`);
    model = await ScriptedModelServer.start(script);
    const env = await scriptedEnv(model, { AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: '', AGENT_OS_CODEC_STRICT: '' });
    strictEnv = { ...env, AGENT_OS_CODEC_KEYS_FILE: keys, AGENT_OS_CODEC_STRICT: '1' };
    worker = await startWorkerProcess(
      ['--policy', path.join(root, 'policy.yaml'), '--mount', `/workspace=${workspace}`, '--task-queue', taskQueue, '--workspace-queue', wsQueue]
        .concat(workerStateArgs(root))
        .concat(['--codec-keys', keys, '--codec-strict']),
      env,
    );
  });

  after(async () => {
    assert.equal(await worker?.stop(), 0, worker?.output());
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('a run with its own policy, continuing as new, with its fs steps on a workspace queue, completes; audit export reads the chain', async () => {
    const t = await temporal();
    const client = new Client({
      connection: t.client.connection,
      namespace: 'default',
      dataConverter: codecDataConverter({ ...readKeyRingFile(keys), strict: true }),
    });
    const workflowId = uniqueId('r12-strict-can');
    const handle = await client.workflow.start('agentRun', {
      taskQueue,
      workflowId,
      args: [{ prompt: 'write', tools: FILE_TOOLS, workspaceQueue: wsQueue, continueAsNewAfterEvents: 20, policy: RUN_POLICY }],
    });
    const result = (await handle.result()) as { output: string; generations: number; actions: Array<{ status: string }> };
    assert.equal(result.output, 'all written', worker.output());
    assert.ok(result.generations >= 2, `continued as new ${result.generations} times`);
    for (let i = 0; i < WRITES; i++) assert.equal(fs.readFileSync(path.join(workspace, 'output', `f${i}.md`), 'utf8'), `n${i}\n`);
    const exported = await cli(['audit', 'export', workflowId], strictEnv);
    assert.equal(exported.status, 0, exported.stderr);
    assert.equal((exported.stdout.match(/fs\.write/g) ?? []).length >= WRITES, true, exported.stdout);
    const rollback = await cli(['rollback', workflowId, '--all', '--json'], strictEnv);
    assert.equal(rollback.status, 0, rollback.stderr + rollback.stdout);
    assert.equal(fs.existsSync(path.join(workspace, 'output', 'f0.md')), false, 'rolled back');
    const again = await cli(['audit', 'export', workflowId], strictEnv);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(worker.output(), /Codec\.(Misplaced|Plaintext|Unbound)/);
  });

  test('a run cancelled while it waits for an approval (queried through a strict client) ends cancelled; its export reads', async () => {
    const t = await temporal();
    const client = new Client({
      connection: t.client.connection,
      namespace: 'default',
      dataConverter: codecDataConverter({ ...readKeyRingFile(keys), strict: true }),
    });
    const workflowId = uniqueId('r12-strict-cancel');
    const handle = await client.workflow.start('agentRun', {
      taskQueue,
      workflowId,
      args: [{ prompt: 'Ask first', tools: FILE_TOOLS, workspaceQueue: wsQueue }],
    });
    await waitFor(async () => ((await handle.query('state')) as { pendingApprovals: unknown[] }).pendingApprovals.length === 1, 'the ask');
    await handle.cancel();
    await assert.rejects(handle.result(), /cancel/i);
    const exported = await cli(['audit', 'export', workflowId], strictEnv);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /ask\/x\.md/);
    assert.doesNotMatch(worker.output(), /Codec\.(Misplaced|Plaintext|Unbound)/);
  });
});
