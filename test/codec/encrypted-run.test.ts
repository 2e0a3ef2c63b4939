import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { codecDataConverter } from '../../src/codec/data-converter';
import { decodeHistory } from '../../src/codec/decode-history';
import { CodecErrorCode } from '../../src/codec/errors';
import { readKeyRingFile } from '../../src/codec/key-ring';
import { DEMO_MODEL_FAILURE, DEMO_REPORT_TARGET, demoRunInput } from '../../src/dev/demo';
import { startDemoStack } from '../../src/dev/demo-stack';
import { historyToAuditRecords } from '../../src/client/history-audit';
import { repoRoot } from '../helpers/paths';
import { temporal, uniqueId } from '../helpers/temporal';
import { firstWorkflowTaskFailure, codecWorkflowBundle, historyText, keysFile, ring } from './helpers';

// Plaintext that a demo run handles: a file's content, the policy's rule names, targets in
// summaries, the model's failure message, the run's instructions and prompt.
const SECRETS = ['grace,37', 'write-output', 'output/report.md', DEMO_MODEL_FAILURE, 'careful data assistant', 'Summarise /workspace'];

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'), ...args],
      { env: { ...process.env, AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: '' } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

test('encrypted run: the demo run with a key configured → no payload readable in raw history; decoded with the key, replay, audit export and the failure message all work', async () => {
  const t = await temporal();
  const file = keysFile('test-2026-01');
  const keys = readKeyRingFile(file);
  const stack = await startDemoStack({ address: t.address, taskQueue: uniqueId('codec-run'), workflowBundle: await codecWorkflowBundle(), codecKeys: keys });
  const workflowId = uniqueId('codec-run');
  try {
    const handle = await stack.startRun(workflowId);
    // The client decodes the failure: the model's message is back in the error it sees.
    await assert.rejects(
      handle.result(),
      (err: unknown) =>
        err instanceof WorkflowFailedError && `${err.cause?.message} ${(err.cause?.cause as Error | undefined)?.message}`.includes(DEMO_MODEL_FAILURE),
    );
  } finally {
    await stack.close();
  }

  // A reader without keys (the plain test client): the history holds none of the run's plaintext.
  const raw = await t.client.workflow.getHandle(workflowId).fetchHistory();
  const rawText = historyText(raw);
  for (const secret of SECRETS) assert.ok(!rawText.includes(secret), `raw history shows "${secret}"`);
  assert.ok(rawText.includes('binary/encrypted') && rawText.includes('test-2026-01'), 'payloads are marked encrypted with their key id');
  assert.ok(
    rawText.includes('executeAction') && rawText.includes('AgentOsPolicyHash'),
    'activity types and search attributes stay readable (see docs/threat-model.md)',
  );

  // With the key: everything is back, including summaries and failure messages.
  const decoded = await decodeHistory(await t.client.workflow.getHandle(workflowId).fetchHistory(), new AesGcmCodec(keys));
  const decodedText = historyText(decoded);
  for (const secret of SECRETS) assert.ok(decodedText.includes(secret), `decoded history shows "${secret}"`);
  const records = historyToAuditRecords(decoded.events ?? [], 'h');
  assert.ok(
    records.some((r) => r.action === 'fs.write' && r.target === DEMO_REPORT_TARGET && r.status === 'OK'),
    JSON.stringify(records),
  );

  // Replay of the encrypted history: deterministic with the key, refused (never garbage) without.
  await Worker.runReplayHistory({ workflowBundle: await codecWorkflowBundle(), dataConverter: codecDataConverter(keys) }, raw, workflowId);
  await assert.rejects(
    Worker.runReplayHistory(
      { workflowBundle: await codecWorkflowBundle(), dataConverter: codecDataConverter(undefined) },
      await t.client.workflow.getHandle(workflowId).fetchHistory(),
      workflowId,
    ),
    (err: Error) => err.message.includes(CodecErrorCode.NoKeys) || String((err as { cause?: Error }).cause?.message).includes(CodecErrorCode.NoKeys),
  );

  // `agent-os audit export`: decodes with the configured keys, refuses clearly without them.
  const exported = await cli(['audit', 'export', workflowId, '--address', t.address, '--codec-keys', file]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /"action":"fs\.write".*"target":"\/workspace\/output\/report\.md"/);
  const refused = await cli(['audit', 'export', workflowId, '--address', t.address]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Codec\.NoKeys: payload encrypted with key "test-2026-01" but no codec keys are configured/);
  assert.equal(refused.stdout, '', 'nothing half-exported');
  const wrong = await cli(['audit', 'export', workflowId, '--address', t.address, '--codec-keys', keysFile('other-key')]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Codec\.UnknownKey: payload encrypted with key "test-2026-01", which is not configured \(configured: other-key\)/);
});

test("encrypted run: a worker without the run's key → the workflow task fails naming the key id, and the workflow code never sees the payload", async () => {
  const t = await temporal();
  const workerKeys = ring('worker-key');
  const stack = await startDemoStack({
    address: t.address,
    taskQueue: uniqueId('codec-wrong'),
    workflowBundle: await codecWorkflowBundle(),
    codecKeys: workerKeys,
  });
  const connection = await Connection.connect({ address: t.address });
  try {
    const client = new Client({ connection, dataConverter: codecDataConverter(ring('client-key')) });
    const workflowId = uniqueId('codec-wrong');
    const handle = await client.workflow.start('agentRun', { taskQueue: stack.taskQueue, workflowId, args: [demoRunInput()] });
    // The task failure is itself encrypted, under the worker's key (whose holder can read it).
    const failure = await firstWorkflowTaskFailure(client.workflowService, workflowId, workerKeys);
    assert.match(failure, /Codec\.UnknownKey: payload encrypted with key "client-key", which is not configured \(configured: worker-key\)/);
    await handle.terminate('test done');
  } finally {
    await connection.close();
    await stack.close();
  }
});
