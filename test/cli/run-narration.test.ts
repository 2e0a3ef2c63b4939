import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { uniqueId } from '../helpers/temporal';
import { startCli } from './cli-process';
import { cli, startAgentWorker, type WorkerProcess } from './worker-harness';

const POLICY = `version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
ask:
  - id: ask-output
    action: fs.write
    resource: /workspace/output/**
`;

/** Branches on the run's prompt: "read", "write" (an ask) or "typo" (an unknown tool). */
function script(request: ReceivedRequest): ScriptStep {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (seen > 0) return { reply: { content: `done: ${prompt}` } };
  if (prompt.startsWith('read')) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (prompt.startsWith('write')) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/x.md', content: 'x\n' } }] } };
  return { reply: { toolCalls: [{ name: 'frobnicate', arguments: {} }] } };
}

describe('agent-os run narrates; status, list, cancel, approve -w (real worker process, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-narrate-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('cli-narrate');
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    ({ model, worker, env } = await startAgentWorker(root, taskQueue, POLICY, script, { AGENT_OS_APPROVER: 'tester' }));
  });

  after(async () => {
    assert.equal(await worker?.stop(), 0, worker?.output());
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('run: an allowed read → each step with its status, then the answer; status -w → the same steps; exit 0', async () => {
    const workflowId = uniqueId('narrate-read');
    const run = await cli(['run', 'read the data', '--task-queue', taskQueue, '-w', workflowId], env);
    assert.equal(run.stderr, '');
    assert.equal(run.status, 0);
    const steps = '  model turn 1 → done\n  fs.read /workspace/data.csv → allow (read-workspace) → OK\n  model turn 2 → done\n';
    assert.equal(run.stdout, `run ${workflowId} on ${taskQueue}\n${steps}done: read the data\n`);

    const status = await cli(['status', '-w', workflowId], env);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^${workflowId} COMPLETED on ${taskQueue}, started \\S+, closed \\S+\\n`));
    assert.equal(status.stdout.slice(status.stdout.indexOf('\n') + 1), steps);
    const positional = await cli(['status', workflowId, '-o', 'json'], env);
    assert.equal(positional.status, 0);
    assert.deepEqual((JSON.parse(positional.stdout) as { steps: unknown[] }).steps.length, 3);

    const list = await cli(['list', '-o', 'jsonl', '--query', `WorkflowId = "${workflowId}"`], env);
    assert.equal(list.status, 0, list.stderr);
    const row = JSON.parse(list.stdout) as Record<string, unknown>;
    assert.deepEqual([row['workflowId'], row['status'], row['taskQueue'], row['pendingApprovals'], row['denied']], [workflowId, 'COMPLETED', taskQueue, 0, 0]);

    const jsonl = await cli(['run', 'read again', '--task-queue', taskQueue, '-o', 'jsonl'], env);
    assert.equal(jsonl.status, 0, jsonl.stderr);
    const events = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string });
    assert.deepEqual(
      events.map((e) => [e.type, e.status]),
      [
        ['step', 'done'],
        ['step', 'OK'],
        ['step', 'done'],
        ['end', 'completed'],
      ],
    );

    const cancel = await cli(['cancel', '-w', workflowId], env);
    assert.equal(cancel.status, 1);
    assert.equal(cancel.stderr, `agent-os cancel: ${workflowId} is completed already; nothing to cancel\n`);
  });

  test('run: an unknown tool → shown as the audited refusal step (recordRefusal), in run and in status', async () => {
    const workflowId = uniqueId('narrate-typo');
    const run = await cli(['run', 'typo', '--task-queue', taskQueue, '-w', workflowId], env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      `run ${workflowId} on ${taskQueue}\n  model turn 1 → done\n  tool.unknown tool:frobnicate → ERROR (Tool.UnknownTool): unknown tool "frobnicate"; available: read_file, list_files, write_file\n  model turn 2 → done\ndone: typo\n`,
    );
    const status = await cli(['status', '-w', workflowId], env);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(
      status.stdout.slice(status.stdout.indexOf('\n') + 1),
      '  model turn 1 → done\n  tool.unknown tool:frobnicate → ERROR (Tool.UnknownTool): unknown tool "frobnicate"; available: read_file, list_files, write_file\n  model turn 2 → done\n',
    );
  });

  test('run: an ask → prints the exact approve command; approve -w ID REQ --allow → the run goes on and completes', async () => {
    const workflowId = uniqueId('narrate-ask');
    const run = startCli(['run', 'write the file', '--task-queue', taskQueue, '-w', workflowId, '--no-input'], env);
    await run.waitFor('--allow    (or --deny');
    const requestId = /agent-os approve -w \S+ (\S+) --allow/.exec(run.output())?.[1];
    assert.ok(requestId, run.output());
    assert.match(
      run.output(),
      new RegExp(
        `  waiting for approval: fs\\.write /workspace/output/x\\.md \\(rule ask-output\\) — .+\\n    params: \\{"content":.+\\n    agent-os approve -w ${workflowId} ${requestId} --allow    \\(or --deny --reason "…"\\)\\n`,
      ),
    );
    // While it waits: a typo'd record id is an error here too (exit 4), as for a finished run.
    const typo = await cli(['rollback', '-w', workflowId, 'deadbeef'], env);
    assert.equal(
      typo.stderr,
      `agent-os rollback: ${workflowId} has no reversible record "deadbeef"; known: (none) — see \`agent-os status -w ${workflowId}\`\n`,
    );
    assert.equal(typo.status, 4);
    const pending = await cli(['status', '-w', workflowId], env);
    assert.match(
      pending.stdout,
      new RegExp(
        `^${workflowId} RUNNING on ${taskQueue}, started \\S+\\n {2}model turn 1 → done\\n {2}waiting for approval: fs\\.write /workspace/output/x\\.md \\(rule ask-output\\)`,
      ),
    );
    const wrongRequest = await cli(['approve', '-w', workflowId, 'call_nope', '--deny'], env);
    assert.equal(wrongRequest.status, 4, wrongRequest.stderr);
    assert.equal(wrongRequest.stderr, `agent-os approve: ${workflowId}: unknown approval request "call_nope"; pending: ${requestId}\n`);
    const listed = await cli(['approvals', 'list', '-o', 'json'], env);
    assert.ok(
      (JSON.parse(listed.stdout) as Array<{ workflowId: string }>).some((r) => r.workflowId === workflowId),
      listed.stdout,
    );
    const approve = await cli(['approve', '-w', workflowId, requestId, '--allow'], env);
    assert.equal(approve.stdout, `${workflowId}: ${requestId} allowed by tester\n`);
    assert.equal(approve.status, 0, approve.stderr);
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /\n {2}model turn 1 → done\n {2}waiting for approval: /);
    assert.match(
      run.output(),
      /\n {2}fs\.write \/workspace\/output\/x\.md → allow \(ask-output, approved by tester\) → OK\n {2}model turn 2 → done\ndone: write the file\n$/,
    );
    assert.equal(fs.readFileSync(path.join(workspace, 'output', 'x.md'), 'utf8'), 'x\n');
    const unknown = await cli(['approve', '-w', workflowId, 'no-such-request', '--deny'], env);
    assert.equal(
      unknown.stderr,
      'agent-os approve: the run has completed already: it takes no more updates or cancellations — see `agent-os status -w <id>`\n',
    );
    assert.equal(unknown.status, 1);
  });

  test('run on a TTY: an ask → offered right there; "y" approves it as the operator', async () => {
    const workflowId = uniqueId('narrate-tty');
    const run = startCli(['run', 'write on a tty', '--task-queue', taskQueue, '-w', workflowId], env, { tty: true });
    await run.waitFor('? [y]es / [n]o / Enter to leave it waiting: ');
    run.write('y\n');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), / allowed by tester\r?\n/);
    assert.match(run.output(), /done: write on a tty\r?\n/);
  });

  test('run with no worker on the queue → says so and how to start one; Ctrl-C without a terminal → detaches, exit 0', async () => {
    const workflowId = uniqueId('narrate-nobody');
    const queue = uniqueId('nobody-home');
    const run = startCli(['run', 'hello', '--task-queue', queue, '-w', workflowId, '--worker-check-after', '1'], env);
    await run.waitFor('(or try everything at once: agent-os dev)\n');
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
    assert.equal(
      run.output(),
      `run ${workflowId} on ${queue}\n` +
        `  no worker is polling task queue ${queue} on ${env['TEMPORAL_ADDRESS']} (namespace default); the run waits until one does.\n` +
        `  start one: agent-os worker --policy policy.yaml --task-queue ${queue}   (or try everything at once: agent-os dev)\n` +
        `agent-os run: detached; ${workflowId} goes on. Follow it with \`agent-os status -w ${workflowId}\`, stop it with \`agent-os cancel -w ${workflowId}\`\n`,
    );
    const cancel = await cli(['cancel', workflowId], env);
    assert.equal(cancel.stdout, `${workflowId}: cancel requested — follow it with \`agent-os status -w ${workflowId}\`\n`);
    assert.equal(cancel.status, 0);
  });

  test('run on a TTY: Ctrl-C → asks cancel or detach; "c" cancels the run (exit 1, the run canceled)', async () => {
    const workflowId = uniqueId('narrate-ctrlc');
    const queue = uniqueId('nobody-home');
    const run = startCli(['run', 'hello', '--task-queue', queue, '-w', workflowId, '--worker-check-after', '1'], env, { tty: true });
    await run.waitFor('agent-os dev)');
    run.write('\x03');
    await run.waitFor('[c]ancel / [d]etach: ');
    run.write('c\n');
    await run.waitFor('cancel requested');
    const status = await cli(['status', '-w', workflowId, '-o', 'json'], env);
    assert.equal(status.status, 0);
    // Nobody polls the queue, so the cancellation is requested but cannot be processed; detach now.
    run.write('\x03');
    await run.waitFor(/\[c\]ancel \/ \[d\]etach: [\s\S]*\[c\]ancel \/ \[d\]etach: /); // the second question
    run.write('d\n');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /detached; .* goes on/);
  });

  test('status / cancel / rollback of a run that does not exist → exit 4 naming it', async () => {
    for (const args of [
      ['status', '-w', 'no-such-run'],
      ['cancel', '-w', 'no-such-run'],
      ['rollback', '-w', 'no-such-run', '--all'],
    ]) {
      const out = await cli(args, env);
      assert.equal(out.status, 4, `${args.join(' ')}: ${out.stderr}`);
      assert.equal(out.stderr, `agent-os ${args[0]}: no such run: workflow not found for ID: no-such-run — list runs with \`agent-os list\`\n`);
    }
  });
});
