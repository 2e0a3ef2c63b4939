import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { AGENT_POLICY } from '../helpers/agent';
import { repoRoot } from '../helpers/paths';
import { uniqueId } from '../helpers/temporal';
import { cli, cliSync, startAgentWorker, type WorkerProcess } from './worker-harness';

const POLICY = AGENT_POLICY;
const ORIGINAL = '# Report\n\noriginal\n';

/** read data.csv → write output/report.md → answer; driven by how many tool results the model has seen. */
function script(request: ReceivedRequest): ScriptStep {
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (seen === 0) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (seen === 1)
    return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.md', content: '# Report\n\n2 rows\n' } }] } };
  return { reply: { content: 'Report written.' } };
}

describe('agent-os worker + run + audit export + rollback (real processes, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-cli-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('cli-worker');
  const report = path.join(workspace, 'output', 'report.md');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    ({ model, worker, env } = await startAgentWorker(root, taskQueue, POLICY, script));
  });

  after(async () => {
    const code = await worker?.stop();
    assert.equal(code, 0, worker?.output());
    assert.equal(fs.existsSync(worker.readyFile), false, 'the ready file is removed on exit');
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('worker: started with --policy --tools --mount → ready file names the queue and address', () => {
    const ready = JSON.parse(fs.readFileSync(worker.readyFile, 'utf8')) as { taskQueue: string; address: string; namespace: string };
    assert.equal(ready.taskQueue, taskQueue);
    assert.equal(ready.address, env['TEMPORAL_ADDRESS']);
    assert.equal(ready.namespace, 'default');
  });

  test('run --json → completed with the answer and both actions; audit export → chained records that verify', async () => {
    fs.writeFileSync(report, ORIGINAL);
    const workflowId = uniqueId('cli-run');
    const run = await cli(
      ['run', 'Summarise data.csv', '--tools', path.join(repoRoot, 'examples', 'tools.yaml'), '--task-queue', taskQueue, '--workflow-id', workflowId, '--json'],
      env,
    );
    assert.equal(run.status, 0, run.stderr + worker.output());
    const out = JSON.parse(run.stdout) as { status: string; result: { output: string; actions: Array<{ action: string; status: string }> } };
    assert.equal(out.status, 'completed');
    assert.equal(out.result.output, 'Report written.');
    assert.deepEqual(
      out.result.actions.map((a) => [a.action, a.status]),
      [
        ['fs.read', 'OK'],
        ['fs.write', 'OK'],
      ],
    );
    assert.equal(fs.readFileSync(report, 'utf8'), '# Report\n\n2 rows\n');

    const exported = path.join(root, `${workflowId}.jsonl`);
    const exp = await cli(['audit', 'export', '-w', workflowId, '--output-file', exported], env);
    assert.equal(exp.status, 0, exp.stderr);
    const records = fs
      .readFileSync(exported, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => [r['seq'], r['action'], r['target'], r['status'], r['rule_id']]),
      [
        [1, 'fs.read', '/workspace/data.csv', 'OK', 'read-workspace'],
        [2, 'fs.write', '/workspace/output/report.md', 'OK', 'write-output'],
      ],
    );
    for (const r of records) {
      assert.match(String(r['timestamp']), /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof r['duration_ms'], 'number');
      assert.match(String(r['policy_hash']), /^[0-9a-f]{64}$/);
    }
    const verify = cliSync(['audit', 'verify', exported]);
    assert.equal(verify.status, 0, verify.stdout);
    assert.match(verify.stdout, /OK, 2 record\(s\), chain intact/);

    // Text mode prints the steps and the answer; without --tools the run uses the worker's tools.
    const text = await cli(['run', 'again', '--task-queue', taskQueue], env);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /fs\.read \/workspace\/data\.csv → allow \(read-workspace\) → OK/);
    assert.match(text.stdout, /Report written\.\n$/);
  });

  test('rollback --all on a finished run → the write is undone; again → NOOP, exit 0', async () => {
    fs.writeFileSync(report, ORIGINAL);
    const workflowId = uniqueId('cli-rollback');
    const run = await cli(
      ['run', 'write it', '--tools', path.join(repoRoot, 'examples', 'tools.yaml'), '--task-queue', taskQueue, '--workflow-id', workflowId, '--json'],
      env,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(fs.readFileSync(report, 'utf8'), '# Report\n\n2 rows\n');
    const first = await cli(['rollback', workflowId, '--all', '--json'], env);
    assert.equal(first.status, 0, first.stderr + first.stdout);
    const undone = (JSON.parse(first.stdout) as { undone: Array<{ action: string; target: string; status: string }> }).undone;
    assert.deepEqual(
      undone.map((u) => [u.action, u.target, u.status]),
      [['fs.write', '/workspace/output/report.md', 'OK']],
    );
    assert.equal(fs.readFileSync(report, 'utf8'), ORIGINAL);
    const second = await cli(['rollback', workflowId, '--all', '--json'], env);
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(
      (JSON.parse(second.stdout) as { undone: Array<{ status: string }> }).undone.map((u) => u.status),
      ['NOOP'],
    );
  });

  test('run --policy that forbids output writes → the write is DENIED although the worker allows it', async () => {
    fs.writeFileSync(report, ORIGINAL);
    const runPolicy = path.join(root, 'run-policy.yaml');
    fs.writeFileSync(runPolicy, 'version: 1\ncapabilities:\n  - id: run-read\n    action: fs.read\n    resource: /workspace/**\n');
    const run = await cli(
      ['run', 'try', '--tools', path.join(repoRoot, 'examples', 'tools.yaml'), '--policy', runPolicy, '--task-queue', taskQueue, '--json'],
      env,
    );
    assert.equal(run.status, 0, run.stderr);
    const actions = (JSON.parse(run.stdout) as { result: { actions: Array<{ action: string; decision: string; status: string }> } }).result.actions;
    assert.deepEqual(
      actions.map((a) => [a.action, a.decision, a.status]),
      [
        ['fs.read', 'allow', 'OK'],
        ['fs.write', 'deny', 'DENIED'],
      ],
    );
    assert.equal(fs.readFileSync(report, 'utf8'), ORIGINAL);
  });
});

describe('CLI usage and connection errors', () => {
  test('cli: missing or conflicting flags → exit 2 with a message', () => {
    assert.equal(cliSync(['worker']).status, 2);
    const approve = cliSync(['approve', 'wf', 'req', '--allow', '--deny']);
    assert.equal(approve.status, 2);
    assert.match(approve.stderr, /exactly one of --allow or --deny/);
    assert.equal(cliSync(['rollback', 'wf']).status, 2);
    const mount = cliSync(['worker', '--policy', 'p.yaml', '--mount', 'nonsense']);
    assert.equal(mount.status, 2);
    assert.match(mount.stderr, /expected AGENT_PATH=HOST_PATH/);
  });

  test('cli: no server at the address → exit 3 saying how to fix it', () => {
    const out = cliSync(['run', 'hello'], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    assert.equal(out.status, 3);
    assert.match(out.stderr, /Temporal server not reachable at 127\.0\.0\.1:9 — start one with `agent-os dev` or set --address \/ TEMPORAL_ADDRESS/);
  });
});
