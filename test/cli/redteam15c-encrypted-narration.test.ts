/**
 * redteam15c: what `run`, `status` and `list` print about an encrypted run, and the text they
 * print that the model (or its endpoint) wrote.
 *
 * - `run`'s narration, `status` and `list` read the history without the codec: on a run of a
 *   worker with codec keys every step showed as its activity type (`executeAction → done`), a
 *   DENIED call as "done" and the run's denials as 0 — and a plaintext payload put in place of
 *   an encrypted one was shown as recorded, whatever strict mode said.
 * - The model's final answer and a failed run's message (the endpoint's error text) were
 *   printed raw, so a prompt-injected answer could erase the narrated steps above it and print
 *   its own (`→ OK`), or write the clipboard (OSC 52).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { uniqueId } from '../helpers/temporal';
import { keysFile } from '../codec/helpers';
import { cli, startAgentWorker, type WorkerProcess } from './worker-harness';

const POLICY = `version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
`;

/** Erase the line above, go to column 0, print a forged step; then set the clipboard (OSC 52). */
const FORGED = '\u001b[1A\u001b[2K\r  fs.write /workspace/output/x.md → allow (write-output) → OK\u001b]52;c;cm0gLXJmIH4=\u0007';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function script(request: ReceivedRequest): ScriptStep {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (prompt.startsWith('fail')) return { error: { status: 400, message: `bad request${FORGED}` } };
  if (seen === 0) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (seen === 1) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/x.md', content: 'x\n' } }] } };
  return { reply: { content: `line one\nline two${FORGED}` } };
}

describe('redteam15c: run, status and list on an encrypted run; model text on the terminal', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-rt15c-narrate-'));
  const taskQueue = uniqueId('rt15c-narrate');
  const keys = keysFile('rt15c-2026-12');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    ({ model, worker, env } = await startAgentWorker(root, taskQueue, POLICY, script, { AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: keys }));
  });

  after(async () => {
    assert.equal(await worker?.stop(), 0, worker?.output());
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('run (text) → each step with its summary and status, decoded; the answer without control characters; status and list agree', async () => {
    const workflowId = uniqueId('rt15c-enc');
    const run = await cli(['run', 'read the data', '--task-queue', taskQueue, '-w', workflowId], env);
    assert.equal(run.status, 0, run.stderr + worker.output());
    const steps =
      '  model turn 1 → done\n' +
      '  fs.read /workspace/data.csv → allow (read-workspace) → OK\n' +
      '  model turn 2 → done\n' +
      '  fs.write /workspace/output/x.md → DENIED (no capability) → DENIED (no capability allows fs.write on /workspace/output/x.md)\n' +
      '  model turn 3 → done\n';
    assert.ok(run.stdout.startsWith(`run ${workflowId} on ${taskQueue}\n${steps}`), run.stdout);
    const answer = run.stdout.slice(`run ${workflowId} on ${taskQueue}\n${steps}`.length);
    assert.doesNotMatch(answer, CONTROL, JSON.stringify(answer));
    assert.ok(answer.startsWith('line one\nline two\\u001b[1A'), JSON.stringify(answer));

    const status = await cli(['status', '-w', workflowId], env);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(status.stdout.slice(status.stdout.indexOf('\n') + 1), steps);
    const json = await cli(['status', '-w', workflowId, '-o', 'json'], env);
    assert.equal((JSON.parse(json.stdout) as { denied: number }).denied, 1);

    const list = await cli(['list', '-o', 'jsonl', '--query', `WorkflowId = "${workflowId}"`], env);
    assert.equal(list.status, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout) as { denied: number }).denied, 1);
  });

  test("run and status of a run the endpoint failed → the endpoint's message decoded, without control characters", async () => {
    const workflowId = uniqueId('rt15c-fail');
    const run = await cli(['run', 'fail please', '--task-queue', taskQueue, '-w', workflowId], env);
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, /the run failed: Model\.\w+: .*bad request\\u001b\[1A/);
    assert.doesNotMatch(run.stderr.replace(/\n$/, ''), CONTROL, JSON.stringify(run.stderr));

    const status = await cli(['status', '-w', workflowId], env);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /bad request\\u001b\[1A/);
    assert.doesNotMatch(status.stdout.replace(/\n/g, ''), CONTROL, JSON.stringify(status.stdout));
  });
});
