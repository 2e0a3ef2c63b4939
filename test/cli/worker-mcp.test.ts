import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { repoRoot } from '../helpers/paths';
import { uniqueId } from '../helpers/temporal';
import { cli, startWorkerProcess, type WorkerProcess, scriptedEnv, workerStateArgs } from './worker-harness';

const EXAMPLE_SERVER = path.join(repoRoot, 'dist', 'examples', 'mcp-server.js');
const POLICY = 'version: 1\ncapabilities:\n  - id: mcp-echo\n    action: mcp.call\n    resource: my_server/echo\n';

/** Call the MCP tool once, then answer with what it returned. */
function script(request: ReceivedRequest): ScriptStep {
  const results = request.messages.filter((m) => m.role === 'tool');
  if (results.length === 0) return { reply: { toolCalls: [{ name: 'my_server__echo', arguments: { text: 'hello from the run' } }] } };
  return { reply: { content: `tool said: ${String(results[0]?.content)}` } };
}

describe('agent-os worker --mcp (real worker process, sandboxed example server, scripted model)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-cli-mcp-'));
  const taskQueue = uniqueId('cli-worker-mcp');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
    fs.writeFileSync(path.join(root, 'servers.yaml'), `servers:\n  my_server:\n    command: [node, ${JSON.stringify(EXAMPLE_SERVER)}]\n`);
    model = await ScriptedModelServer.start(script);
    env = await scriptedEnv(model);
    worker = await startWorkerProcess(
      ['--policy', path.join(root, 'policy.yaml'), '--mcp', path.join(root, 'servers.yaml'), '--task-queue', taskQueue, ...workerStateArgs(root)],
      env,
    );
  });

  after(async () => {
    const code = await worker?.stop();
    assert.equal(code, 0, worker?.output());
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('worker --mcp: a run without tools is offered exactly the MCP tools the policy could allow; the model calls one → OK, one mcp.call audit record', async () => {
    assert.match(worker.output(), /1 tool\(s\)/, 'the worker offers my_server__echo only');
    const run = await cli(['run', 'Say hello through MCP', '--task-queue', taskQueue, '--workflow-id', uniqueId('cli-mcp-run'), '--json'], env);
    assert.equal(run.status, 0, run.stderr + worker.output());
    const out = JSON.parse(run.stdout) as { status: string; result: { output: string; actions: Array<{ action: string; target: string; status: string }> } };
    assert.equal(out.status, 'completed');
    assert.deepEqual(
      out.result.actions.map((a) => [a.action, a.target, a.status]),
      [['mcp.call', 'my_server/echo', 'OK']],
    );
    assert.match(out.result.output, /hello from the run/);
    const offered = (model.requests[0]?.tools ?? []).map((t) => t.function.name);
    assert.deepEqual(offered, ['my_server__echo']);
    const records = fs
      .readFileSync(path.join(root, 'kernel.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r['action'] === 'mcp.call');
    assert.deepEqual(
      records.map((r) => [r['canonical_target'], r['status'], r['rule_id']]),
      [['my_server/echo', 'OK', 'mcp-echo']],
    );
  });
});
