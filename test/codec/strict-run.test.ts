import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { CONTEXT_METADATA } from '../../src/codec/binding';
import { codecDataConverter } from '../../src/codec/data-converter';
import { decodeHistory } from '../../src/codec/decode-history';
import { CodecErrorCode } from '../../src/codec/errors';
import { readKeyRingFile, type KeyRing } from '../../src/codec/key-ring';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { stateQuery } from '../../src/workflows/messages';
import { AGENT_POLICY, FILE_TOOLS } from '../helpers/agent';
import { waitFor } from '../helpers/poll';
import { repoRoot } from '../helpers/paths';
import { temporal, uniqueId } from '../helpers/temporal';
import { cli, startWorkerProcess, type WorkerProcess, scriptedEnv, workerStateArgs } from '../cli/worker-harness';
import { firstWorkflowTaskFailure, codecWorkflowBundle, json, keysFile, value } from './helpers';

type History = proto.api.history.v1.IHistory;

/** read (OK), write under output/ (OK), write outside it (DENIED: no capability), then the answer. */
function script(request: ReceivedRequest): ScriptStep {
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  if (JSON.stringify(request.messages).includes('Ask first')) {
    if (seen === 0) return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/ask/ok.md', content: 'approved\n' } }] } };
    return { reply: { content: 'Done.' } };
  }
  const write = (p: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: p, content: '# Report\n\n1 row\n' } }] } });
  if (seen === 0) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (seen === 1) return write('/workspace/output/report.md');
  if (seen === 2) return write('/workspace/notes.md');
  return { reply: { content: 'Report written.' } };
}

/** The ActivityTaskCompleted events of `executeAction`, in order. */
function executeResults(history: History): proto.api.history.v1.IActivityTaskCompletedEventAttributes[] {
  const scheduled = new Map<string, string>();
  const out: proto.api.history.v1.IActivityTaskCompletedEventAttributes[] = [];
  for (const event of history.events ?? []) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(event.eventId), s.activityType?.name ?? '');
    const c = event.activityTaskCompletedEventAttributes;
    if (c && scheduled.get(String(c.scheduledEventId)) === 'executeAction') out.push(c);
  }
  return out;
}

/** A copy of `history` whose `index`-th executeAction result is `payload`. */
function withResult(history: History, index: number, payload: Payload): History {
  const copy = structuredClone(history);
  const target = executeResults(copy)[index];
  assert.ok(target?.result?.payloads?.length === 1, `executeAction result #${index}`);
  target.result.payloads = [payload];
  return copy;
}

/**
 * The replaying worker's data converter: the codec, with the default failure converter so the
 * replay error's message is readable here (the codec's would encrypt it, as it should in history).
 */
const replayConverter = (r: KeyRing): { payloadCodecs: AesGcmCodec[] } => ({ payloadCodecs: [new AesGcmCodec(r)] });

const resultOf = (history: History, index: number): Payload => executeResults(history)[index]?.result?.payloads?.[0] as Payload;

/** Rejects with an error whose message (or its cause's) names `code` and matches `detail`. */
async function refused(promise: Promise<unknown>, code: string, detail?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    const text = `${err.message} ${String((err as { cause?: Error }).cause?.message)}`;
    assert.ok(text.includes(code), `expected ${code}, got: ${text}`);
    if (detail) assert.match(text, detail);
    return true;
  });
}

describe('codec strict mode and bound payloads (real worker process, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-codec-strict-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('codec-strict');
  const tools = path.join(repoRoot, 'examples', 'tools.yaml');
  const keys = keysFile('strict-2026-12');
  let ring: KeyRing;
  let strictRing: KeyRing;
  let model: ScriptedModelServer;
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;
  let strictEnv: NodeJS.ProcessEnv;
  const runs: Array<{ workflowId: string; history: History }> = [];

  before(async () => {
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'ask'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'data.csv'), 'a,b\nsecret-row,2\n');
    fs.writeFileSync(path.join(root, 'policy.yaml'), `${AGENT_POLICY}ask:\n  - id: ask-write\n    action: fs.write\n    resource: /workspace/ask/**\n`);
    ring = readKeyRingFile(keys);
    strictRing = { ...ring, strict: true };
    model = await ScriptedModelServer.start(script);
    env = await scriptedEnv(model, { AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: '', AGENT_OS_CODEC_STRICT: '' });
    strictEnv = { ...env, AGENT_OS_CODEC_KEYS_FILE: keys, AGENT_OS_CODEC_STRICT: '1' };
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
        '--codec-strict',
      ],
      env,
    );
  });

  after(async () => {
    assert.equal(await worker?.stop(), 0, worker?.output());
    await model?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('strict worker and CLI: two full agent runs complete as without strict mode; their histories are all bound ciphertext, and export, rollback and strict replay read them', async () => {
    assert.match(worker.output(), /payloads encrypted with key strict-2026-12 .*; strict: plaintext and unbound payloads refused/);
    const t = await temporal();
    for (const name of ['a', 'b']) {
      const workflowId = uniqueId(`codec-strict-${name}`);
      const run = await cli(['run', 'Summarise data.csv', '--tools', tools, '--task-queue', taskQueue, '--workflow-id', workflowId, '--json'], strictEnv);
      assert.equal(run.status, 0, run.stderr + worker.output());
      const result = (JSON.parse(run.stdout) as { result: { output: string; actions: Array<{ action: string; status: string }> } }).result;
      assert.equal(result.output, 'Report written.');
      assert.deepEqual(
        result.actions.map((a) => [a.action, a.status]),
        [
          ['fs.read', 'OK'],
          ['fs.write', 'OK'],
          ['fs.write', 'DENIED'],
        ],
      );
      runs.push({ workflowId, history: await t.client.workflow.getHandle(workflowId).fetchHistory() });
    }
    const [a] = runs;
    // Every payload a worker or client wrote is encrypted and bound; only search attributes and core's marker data are clear.
    let bound = 0;
    const walk = (node: unknown, where: string): void => {
      if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
      const meta = (node as { metadata?: Record<string, Uint8Array> }).metadata;
      if (meta && meta['encoding'] && (node as { data?: unknown }).data !== undefined) {
        const encoding = Buffer.from(meta['encoding']).toString();
        if (/searchAttributes|patch-data|details\.data/.test(where)) return;
        assert.equal(encoding, 'binary/encrypted', `${where} is ${encoding}`);
        assert.ok(meta[CONTEXT_METADATA], `${where} is bound`);
        bound++;
        return;
      }
      for (const [k, v] of Object.entries(node)) walk(v, `${where}.${k}`);
    };
    walk(a!.history, 'history');
    assert.ok(bound >= 15, `${bound} bound payloads`);

    const exported = await cli(['audit', 'export', a!.workflowId], strictEnv);
    assert.equal(exported.status, 0, exported.stderr);
    assert.ok(exported.stdout.includes('fs.write') && exported.stdout.includes('DENIED'), exported.stdout);
    const rollback = await cli(['rollback', a!.workflowId, '--all', '--json'], strictEnv);
    assert.equal(rollback.status, 0, rollback.stderr + rollback.stdout);
    // A query (the strict worker replays the finished run to answer it) and the memo, through a strict client.
    const client = new Client({ connection: t.client.connection, namespace: 'default', dataConverter: codecDataConverter(strictRing) });
    const handle = client.workflow.getHandle(a!.workflowId);
    const state = await handle.query<{ turns?: unknown }>('state');
    assert.equal(typeof state, 'object');
    assert.equal(typeof (await handle.describe()).memo?.['policyHash'], 'string');
    for (const run of runs) {
      await Worker.runReplayHistory(
        { workflowBundle: await codecWorkflowBundle(), dataConverter: codecDataConverter(strictRing) },
        run.history,
        run.workflowId,
      );
      await decodeHistory(structuredClone(run.history), new AesGcmCodec(strictRing), { namespace: 'default', workflowId: run.workflowId });
    }
  });

  test("attack: run A's OK result moved over run B's DENIED one (same activity id, other run) → Codec.Misplaced in the worker (replay) and the history readers, strict or not", async () => {
    const [a, b] = runs;
    assert.ok(a && b, 'the runs of the first test');
    const denied = 2;
    assert.equal((value((await new AesGcmCodec(ring).decode([resultOf(a.history, 1)]))[0]) as { status: string }).status, 'OK');
    const tampered = withResult(b.history, denied, resultOf(a.history, 1));
    const sameSlot = withResult(b.history, denied, resultOf(a.history, denied));
    for (const r of [ring, strictRing]) {
      const dataConverter = replayConverter(r);
      for (const h of [tampered, sameSlot]) {
        await refused(Worker.runReplayHistory({ workflowBundle: await codecWorkflowBundle(), dataConverter }, h, b.workflowId), CodecErrorCode.Misplaced);
        await refused(
          decodeHistory(structuredClone(h), new AesGcmCodec(r), { namespace: 'default', workflowId: b.workflowId }),
          CodecErrorCode.Misplaced,
          new RegExp(`written for activity "\\d+" of workflow "${a.workflowId}".*read for activity "\\d+" of workflow "${b.workflowId}"`),
        );
      }
    }
  });

  test("attack: run B's own OK result moved over its DENIED one (another activity of the same run) → Codec.Misplaced naming both activity ids; also from an exported file (policy replay)", async () => {
    const b = runs[1];
    assert.ok(b);
    const tampered = withResult(b.history, 2, resultOf(b.history, 1));
    await refused(
      Worker.runReplayHistory({ workflowBundle: await codecWorkflowBundle(), dataConverter: replayConverter(ring) }, tampered, b.workflowId),
      CodecErrorCode.Misplaced,
    );
    await refused(
      decodeHistory(structuredClone(tampered), new AesGcmCodec(ring), { namespace: 'default', workflowId: b.workflowId }),
      CodecErrorCode.Misplaced,
      /written for activity "(\d+)" of workflow .* read for activity "(?!\1)\d+"/,
    );
    // An exported file names no workflow: the owner is the workflow its start input is bound to.
    const file = path.join(root, 'tampered.json');
    fs.writeFileSync(file, historyToJSON(tampered as proto.api.history.v1.History));
    const policy = path.join(root, 'policy.yaml');
    const replay = await cli(['policy', 'replay', '--policy', policy, '--history', file, '--codec-keys', keys], env);
    assert.equal(replay.status, 1, replay.stdout);
    assert.match(replay.stderr, new RegExp(`cannot decode history .*${CodecErrorCode.Misplaced}`));
    const intact = path.join(root, 'intact.json');
    fs.writeFileSync(intact, historyToJSON(b.history as proto.api.history.v1.History));
    const ok = await cli(['policy', 'replay', '--policy', policy, '--history', intact, '--codec-keys', keys, '--codec-strict', '-o', 'json'], env);
    assert.equal(ok.status, 0, ok.stderr);
  });

  test('attack: plain JSON {status:"OK"} (or an unbound v1 ciphertext) in place of the DENIED result → strict: Codec.Plaintext / Codec.Unbound in the worker and the readers; without strict mode it is still accepted (documented)', async () => {
    const b = runs[1];
    assert.ok(b);
    const owner = { namespace: 'default', workflowId: b.workflowId };
    const forged = json({ status: 'OK', forged: true });
    const [unbound] = await new AesGcmCodec(ring).encode([json({ status: 'OK', forged: true })]);
    for (const [payload, code] of [
      [forged, CodecErrorCode.Plaintext],
      [unbound!, CodecErrorCode.Unbound],
    ] as const) {
      const tampered = withResult(b.history, 2, payload);
      await refused(
        Worker.runReplayHistory({ workflowBundle: await codecWorkflowBundle(), dataConverter: replayConverter(strictRing) }, tampered, b.workflowId),
        code,
      );
      await refused(decodeHistory(structuredClone(tampered), new AesGcmCodec(strictRing), owner), code, /for activity "\d+" of workflow/);
      const lax = await decodeHistory(structuredClone(tampered), new AesGcmCodec(ring), owner);
      assert.deepEqual(value(resultOf(lax, 2)), { status: 'OK', forged: true }, 'non-strict: runs from before encryption stay readable, so this passes');
    }
  });

  test('strict mode: an approval (update from the CLI), the state query and the run result round-trip through a strict client and worker', async () => {
    const t = await temporal();
    const client = new Client({ connection: t.client.connection, namespace: 'default', dataConverter: codecDataConverter(strictRing) });
    const workflowId = uniqueId('codec-strict-ask');
    const handle = await client.workflow.start(agentRun, { taskQueue, workflowId, args: [{ prompt: 'Ask first', tools: FILE_TOOLS }] });
    let requestId: string | undefined;
    await waitFor(async () => (requestId = (await handle.query(stateQuery)).pendingApprovals[0]?.requestId) !== undefined, 'a pending approval');
    const approve = await cli(['approve', workflowId, requestId!, '--allow', '--reason', 'strict test'], strictEnv);
    assert.equal(approve.status, 0, approve.stderr + approve.stdout);
    const result = await handle.result();
    assert.deepEqual(
      result.actions.map((a) => [a.action, a.status]),
      [['fs.write', 'OK']],
    );
    assert.equal(fs.readFileSync(path.join(workspace, 'ask', 'ok.md'), 'utf8'), 'approved\n');
  });

  test('a client without keys starts a run on the strict worker → its workflow task fails with Codec.Plaintext, no activity runs', async () => {
    const t = await temporal();
    const workflowId = uniqueId('codec-strict-plain');
    const handle = await t.client.workflow.start('agentRun', { taskQueue, workflowId, args: [{ prompt: 'Summarise data.csv' }] });
    let failure: string | undefined;
    try {
      failure = await firstWorkflowTaskFailure(t.client.workflowService, workflowId, ring);
    } finally {
      await handle.terminate('test done');
    }
    assert.match(
      failure,
      /Codec\.Plaintext: a plaintext payload for workflow ".*codec-strict-plain.*" \(namespace default\) was read with codec strict mode on/,
    );
  });
});
