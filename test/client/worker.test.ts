import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { AgentLoop } from '../../src/client/agent-loop';
import { ensureSearchAttributes } from '../../src/worker/register-search-attributes';
import { createAgentWorker } from '../../src/worker/worker';
import { Kernel } from '../../src/kernel/kernel';
import { createChat } from '../../src/model/chat';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { agentRun } from '../../src/workflows/agent-run';
import { AGENT_POLICY, FILE_TOOLS } from '../helpers/agent';
import { temporal, uniqueId, workflowBundle } from '../helpers/temporal';

/** Writes the file named in the prompt, then answers. */
function writer(request: ReceivedRequest): ScriptStep {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  if (!request.messages.some((m) => m.role === 'tool')) {
    return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${prompt}.md`, content: prompt } }] } };
  }
  return { reply: { content: `wrote ${prompt}` } };
}

function host(root: string, name: string): { workspace: string; kernel: Kernel } {
  const workspace = path.join(root, name);
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  const policy = path.join(root, `${name}.yaml`);
  fs.writeFileSync(policy, AGENT_POLICY);
  return { workspace, kernel: new Kernel({ policy, providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })] }) };
}

describe('agent workers on the real dev server', () => {
  test('scale-out: two workers, two workspace queues, two workspaces → each run writes only into its own workspace', async () => {
    const t = await temporal();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-out-'));
    const model = await ScriptedModelServer.start(writer);
    const a = host(root, 'host-a');
    const b = host(root, 'host-b');
    const taskQueue = uniqueId('fleet');
    const chat = createChat({ baseURL: model.baseURL, apiKey: 'test', model: 'scripted' });
    const bundle = await workflowBundle();
    const common = { connection: t.nativeConnection, taskQueue, chat, model: 'scripted', workflowBundle: bundle };
    const wa = await createAgentWorker({ ...common, kernel: a.kernel, workspaceQueue: `${taskQueue}-ws-a` });
    // Another host: its own connection (one process may not run two workers on one queue over one connection).
    const hostB = await NativeConnection.connect({ address: t.address });
    const wb = await createAgentWorker({ ...common, connection: hostB, kernel: b.kernel, workspaceQueue: `${taskQueue}-ws-b` });
    assert.equal(wa.workers.length, 2);
    try {
      await wa.runUntil(
        wb.runUntil(async () => {
          const run = (prompt: string, workspaceQueue: string) =>
            t.client.workflow.execute(agentRun, { taskQueue, workflowId: uniqueId('scale'), args: [{ prompt, tools: FILE_TOOLS, workspaceQueue }] });
          const results = await Promise.all([
            run('for-a-1', `${taskQueue}-ws-a`),
            run('for-b-1', `${taskQueue}-ws-b`),
            run('for-a-2', `${taskQueue}-ws-a`),
            run('for-b-2', `${taskQueue}-ws-b`),
          ]);
          for (const r of results)
            assert.deepEqual(
              r.actions.map((x) => x.status),
              ['OK'],
            );
        }),
      );
      assert.deepEqual(fs.readdirSync(path.join(a.workspace, 'output')).sort(), ['for-a-1.md', 'for-a-2.md']);
      assert.deepEqual(fs.readdirSync(path.join(b.workspace, 'output')).sort(), ['for-b-1.md', 'for-b-2.md']);
    } finally {
      await hostB.close();
      await model.close();
      await a.kernel.close();
      await b.kernel.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('createAgentWorker: no workerOptions → the tuned settings (sticky 10 s, one V8 context); workerOptions given → they win', async () => {
    const t = await temporal();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuning-'));
    const { kernel } = host(root, 'tuned');
    const chat = createChat({ baseURL: 'http://127.0.0.1:9', apiKey: 'test', model: 'scripted' });
    const common = { connection: t.nativeConnection, chat, model: 'scripted', kernel, workflowBundle: await workflowBundle() };
    try {
      const tuned = await createAgentWorker({ ...common, taskQueue: uniqueId('tuned') });
      const main = tuned.workers[0]?.options;
      assert.equal(main?.stickyQueueScheduleToStartTimeoutMs, 10_000);
      assert.equal(main?.reuseV8Context, true);
      await tuned.runUntil(async () => undefined);
      const own = await createAgentWorker({ ...common, taskQueue: uniqueId('own'), workerOptions: { stickyQueueScheduleToStartTimeout: '3s' } });
      assert.equal(own.workers[0]?.options.stickyQueueScheduleToStartTimeoutMs, 3_000);
      await own.runUntil(async () => undefined);
    } finally {
      await kernel.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('search attributes: a missing one → registered once; asked again → nothing added', async () => {
    const t = await temporal();
    const name = `AgentOsTest${Date.now()}`;
    assert.deepEqual(await ensureSearchAttributes(t.nativeConnection, 'default', { [name]: 'Keyword' }), [name]);
    assert.deepEqual(await ensureSearchAttributes(t.nativeConnection, 'default', { [name]: 'Keyword' }), []);
    assert.deepEqual(await ensureSearchAttributes(t.nativeConnection, 'default'), []);
  });

  test('AgentLoop: seed form with TEMPORAL_ADDRESS set → hosts the kernel in-process and returns the answer', async () => {
    const t = await temporal();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-loop-'));
    const model = await ScriptedModelServer.start(writer);
    const { workspace, kernel } = host(root, 'ws');
    const saved = process.env['TEMPORAL_ADDRESS'];
    process.env['TEMPORAL_ADDRESS'] = t.address;
    try {
      const loop = new AgentLoop({
        kernel,
        model: 'scripted',
        instructions: 'You are a helpful assistant with access to workspace files.',
        tools: FILE_TOOLS,
        modelConfig: { baseURL: model.baseURL, apiKey: 'test' },
        workflowBundle: await workflowBundle(),
      });
      assert.equal(await loop.run('loop'), 'wrote loop');
      assert.equal(fs.readFileSync(path.join(workspace, 'output', 'loop.md'), 'utf8'), 'loop');
      assert.equal(model.requests[0]?.messages[0]?.role, 'system');

      // The remote form: the same run on a worker fleet's queue.
      const taskQueue = uniqueId('remote');
      const worker = await createAgentWorker({
        connection: t.nativeConnection,
        taskQueue,
        kernel,
        chat: createChat({ baseURL: model.baseURL, apiKey: 'test', model: 'scripted' }),
        model: 'scripted',
        workflowBundle: await workflowBundle(),
      });
      const remote = new AgentLoop({ client: t.client, taskQueue, model: 'scripted', instructions: 'Be brief.', tools: FILE_TOOLS });
      assert.equal(await worker.runUntil(() => remote.run('remote')), 'wrote remote');
      assert.equal(remote.lastResult?.actions[0]?.status, 'OK');
    } finally {
      if (saved === undefined) delete process.env['TEMPORAL_ADDRESS'];
      else process.env['TEMPORAL_ADDRESS'] = saved;
      await model.close();
      await kernel.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
