import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { layerUndoer } from '../../src/activities/reversible';
import { AgentLoop } from '../../src/client/agent-loop';
import { AgentRunFailedError } from '../../src/client/errors';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy, ReversibleActionLayer, SnapshotStore } from '../../src/reversible/index';
import { AGENT_POLICY, FILE_TOOLS } from '../helpers/agent';
import { temporal, workflowBundle } from '../helpers/temporal';

/** Writes the file named in the prompt, then answers. */
function writer(request: ReceivedRequest): ScriptStep {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  if (!request.messages.some((m) => m.role === 'tool')) {
    return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${prompt}.md`, content: prompt } }] } };
  }
  return { reply: { content: `wrote ${prompt}` } };
}

/** Runs `fn` with a kernel over a fresh workspace, a scripted model and TEMPORAL_ADDRESS pointing at the test server. */
async function withLoopBench(
  script: (request: ReceivedRequest) => ScriptStep,
  fn: (b: {
    root: string;
    workspace: string;
    kernel: Kernel;
    common: { modelConfig: { baseURL: string; apiKey: string }; model: string; workflowBundle: { code: string } };
  }) => Promise<void>,
): Promise<void> {
  const t = await temporal();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-loop-'));
  const workspace = path.join(root, 'ws');
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(root, 'policy.yaml'), AGENT_POLICY);
  const kernel = new Kernel({ policy: path.join(root, 'policy.yaml'), providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })] });
  const model = await ScriptedModelServer.start(script);
  const saved = process.env['TEMPORAL_ADDRESS'];
  process.env['TEMPORAL_ADDRESS'] = t.address;
  try {
    await fn({
      root,
      workspace,
      kernel,
      common: { modelConfig: { baseURL: model.baseURL, apiKey: 'test' }, model: 'scripted', workflowBundle: await workflowBundle() },
    });
  } finally {
    if (saved === undefined) delete process.env['TEMPORAL_ADDRESS'];
    else process.env['TEMPORAL_ADDRESS'] = saved;
    await model.close();
    await kernel.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('AgentLoop (local form) on the real dev server', () => {
  test('AgentLoop: two runs on one loop → one worker serves both (same task queue), each answers', async () => {
    await withLoopBench(writer, async ({ workspace, kernel, common }) => {
      const loop = new AgentLoop({ kernel, ...common, tools: FILE_TOOLS });
      try {
        assert.equal(await loop.run('first'), 'wrote first');
        const firstId = loop.lastWorkflowId as string;
        assert.equal(await loop.run('second'), 'wrote second');
        const secondId = loop.lastWorkflowId as string;
        const { client } = await temporal();
        const [a, b] = await Promise.all([client.workflow.getHandle(firstId).describe(), client.workflow.getHandle(secondId).describe()]);
        assert.equal(a.taskQueue, b.taskQueue, 'both runs were served by the same worker');
        assert.deepEqual(fs.readdirSync(path.join(workspace, 'output')).sort(), ['first.md', 'second.md']);
      } finally {
        await loop.close();
      }
    });
  });

  test('AgentLoop: a run that fails → AgentRunFailedError with the run’s failure message, and the actions it took', async () => {
    // Always asks for another write: the run hits its turn budget.
    const endless = (request: ReceivedRequest): ScriptStep => ({
      reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${request.messages.length}.md`, content: 'x' } }] },
    });
    await withLoopBench(endless, async ({ kernel, common }) => {
      const loop = new AgentLoop({ kernel, ...common, tools: FILE_TOOLS, maxTurns: 2 });
      try {
        const err = await loop.run('go').then(
          () => assert.fail('the run must fail'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof AgentRunFailedError, `expected AgentRunFailedError, got ${String(err)}`);
        assert.equal(err.failureType, 'Budget.MaxTurns');
        assert.match(err.message, /Budget\.MaxTurns/);
        assert.doesNotMatch(err.message, /^Workflow execution failed$/);
        assert.equal(err.actions.length, 2);
        assert.deepEqual(
          loop.lastActions.map((a) => [a.tool, a.status]),
          [
            ['write_file', 'OK'],
            ['write_file', 'OK'],
          ],
        );
        assert.equal(loop.lastResult, undefined);
      } finally {
        await loop.close();
      }
    });
  });

  test('AgentLoop: reversible executor and a run policy → the write runs through the narrowed layer (not Run.NarrowingUnsupported) and is undoable', async () => {
    await withLoopBench(writer, async ({ root, workspace, kernel, common }) => {
      const layer = new ReversibleActionLayer({
        kernel,
        strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
        store: new SnapshotStore(path.join(root, 'snapshots')),
      });
      const policy = 'version: 1\ncapabilities:\n  - action: fs.write\n    resource: /workspace/output/**\n';
      const loop = new AgentLoop({ kernel, ...common, tools: FILE_TOOLS, policy, executor: layer, undoer: layerUndoer(layer) });
      try {
        assert.equal(await loop.run('narrowed'), 'wrote narrowed');
        const [action] = loop.lastActions;
        assert.equal(action?.status, 'OK', JSON.stringify(action));
        assert.equal(fs.readFileSync(path.join(workspace, 'output', 'narrowed.md'), 'utf8'), 'narrowed');
        assert.equal(loop.lastResult?.compensations.length, 1, 'the write registered a compensation');
        const undone = await layer.rollback(action?.recordId as string);
        assert.equal(undone.status, 'OK');
        assert.equal(fs.existsSync(path.join(workspace, 'output', 'narrowed.md')), false);
      } finally {
        await loop.close();
      }
    });
  });

  // Red team 15: AgentLoop took its options as given, so a typo of `policy` (`runPolicy`, `polciy`)
  // ran the agent under the whole ceiling instead of the run's read-only policy — silently.
  test('AgentLoop: a run policy under a misspelt key (runPolicy) → refused when the loop is built; no write under the ceiling', async () => {
    const readOnly = 'version: 1\ncapabilities:\n  - id: read\n    action: fs.read\n    resource: /workspace/**\n';
    await withLoopBench(writer, async ({ workspace, kernel, common }) => {
      let loop: AgentLoop | undefined;
      try {
        loop = new AgentLoop({ kernel, ...common, tools: FILE_TOOLS, runPolicy: readOnly } as unknown as ConstructorParameters<typeof AgentLoop>[0]);
      } catch (err) {
        assert.equal((err as { code?: unknown }).code, 'Client.InvalidOptions', String(err));
      }
      try {
        if (loop !== undefined) await loop.run('typo').catch(() => undefined);
      } finally {
        await loop?.close();
      }
      assert.deepEqual(fs.readdirSync(path.join(workspace, 'output')), [], 'the run wrote under the ceiling, not the read-only run policy');
      assert.equal(loop, undefined);
    });
  });
});
