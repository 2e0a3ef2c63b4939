import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index';
import { runPolicyRef } from '../../src/activities/run-policy-ref';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { codecDataConverter } from '../../src/codec/data-converter';
import { decodeHistory, ownerFromStart } from '../../src/codec/decode-history';
import { CodecErrorCode } from '../../src/codec/errors';
import { newKeyLine } from '../../src/codec/key-ring';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { Kernel } from '../../src/kernel/kernel';
import { createChat } from '../../src/model/chat';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { agentRun } from '../../src/workflows/agent-run';
import { AGENT_POLICY, FILE_TOOLS } from '../helpers/agent';
import { FIXTURE_KEYS_FILE, FIXTURE_KEY_ID, fixtureKeys, isEncryptedHistory } from '../helpers/fixture-codec';
import { fixture, repoRoot } from '../helpers/paths';
import { maybeRecordHistory } from '../helpers/record-history';
import { temporal, uniqueId } from '../helpers/temporal';
import { tempFolder } from '../helpers/temp-dir';
import { codecWorkflowBundle, historyText } from './helpers';

/** The run's own policy: reads, and writes under output/public/ only (the ceiling allows all of output/). */
const RUN_POLICY =
  'version: 1\ncapabilities:\n  - id: run-read\n    action: fs.read\n    resource: /workspace/**\n  - id: run-public\n    action: fs.write\n    resource: /workspace/output/public/**\n';
const SECRET_ROW = 'secret-row,42';

function script(request: ReceivedRequest): ScriptStep {
  const seen = request.messages.filter((m) => m.role === 'tool').length;
  const write = (p: string): ScriptStep => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: p, content: '# Report\n\n1 row\n' } }] } });
  if (seen === 0) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  if (seen === 1) return write('/workspace/output/public/report.md');
  if (seen === 2) return write('/workspace/output/private/report.md');
  return { reply: { content: 'Report written.' } };
}

/** Every recorded history whose payloads are encrypted, by release-relative name. */
function encryptedFixtures(): Array<{ name: string; history: ReturnType<typeof historyFromJSON> }> {
  const dir = fixture('histories');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(dir, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({ name: `${d.name}/${f}`, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, d.name, f), 'utf8'))) })),
    )
    .filter((f) => isEncryptedHistory(f.history));
}

const cliPath = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...process.env, AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** A mode-600 copy of a key file's text (the CLI refuses group- or world-readable key files). */
function keyFile(text: string): string {
  const file = path.join(tempFolder('fixture-keys-'), 'keys');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe('encrypted histories: recorded, replayed, re-decided', () => {
  test('encrypted run: a run with its own policy and codec keys → nothing of it readable raw; decoded, its policy once (start input) and a sha256 ref in every step (RECORD_HISTORIES records it as agent-run-encrypted)', async () => {
    const t = await temporal();
    const keys = fixtureKeys();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'encrypted-fixture-'));
    const workspace = path.join(root, 'ws');
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'data.csv'), `a,b\n${SECRET_ROW}\n`);
    fs.writeFileSync(path.join(root, 'policy.yaml'), AGENT_POLICY);
    const kernel = new Kernel({
      policy: path.join(root, 'policy.yaml'),
      providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })],
      logPath: path.join(root, 'kernel.log'),
    });
    const model = await ScriptedModelServer.start(script);
    const taskQueue = uniqueId('encrypted-fixture');
    const workflowId = uniqueId('encrypted-fixture');
    try {
      const worker = await Worker.create({
        connection: t.nativeConnection,
        namespace: t.namespace,
        taskQueue,
        workflowBundle: await codecWorkflowBundle(),
        dataConverter: codecDataConverter(keys),
        activities: createActivities({ kernel, chat: createChat({ baseURL: model.baseURL, apiKey: 'test', model: 'scripted' }), model: 'scripted' }),
      });
      const client = new Client({ connection: t.client.connection, namespace: t.namespace, dataConverter: codecDataConverter(keys) });
      const result = await worker.runUntil(
        client.workflow.execute(agentRun, { taskQueue, workflowId, args: [{ prompt: 'Summarise data.csv', tools: FILE_TOOLS, policy: RUN_POLICY }] }),
      );
      assert.deepEqual(
        result.actions.map((a) => [a.action, a.status]),
        [
          ['fs.read', 'OK'],
          ['fs.write', 'OK'],
          ['fs.write', 'DENIED'],
        ],
      );
    } finally {
      await model.close();
      await kernel.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
    const raw = await t.client.workflow.getHandle(workflowId).fetchHistory();
    const rawText = historyText(raw);
    for (const secret of [SECRET_ROW, 'run-public', 'Summarise data.csv']) assert.ok(!rawText.includes(secret), `raw history shows "${secret}"`);
    const decoded = historyText(await decodeHistory(raw, new AesGcmCodec(keys)));
    assert.ok(decoded.includes(SECRET_ROW));
    assert.equal(decoded.split('id: run-public').length - 1, 1, 'the policy text once: the start input');
    assert.equal(decoded.split(runPolicyRef(RUN_POLICY)).length - 1, 4, "the reference in workerInfo's answer and in each of the 3 executeAction inputs");
    maybeRecordHistory(t.address, workflowId, 'agent-run-encrypted');
  });

  test('encrypted fixtures: every recorded encrypted history → decodes with the fixture key and replays deterministically; without keys → refused with Codec.NoKeys naming the key id', async () => {
    const fixtures = encryptedFixtures();
    assert.ok(fixtures.length >= 1, 'an encrypted history is recorded under test/fixtures/histories/<release>/');
    for (const { name, history } of fixtures) {
      // Format v2 payloads are bound to their workflow: a bound history replays as its own workflow id (from its start input).
      const workflowId = ownerFromStart(history)?.workflowId ?? name;
      await Worker.runReplayHistory({ workflowBundle: await codecWorkflowBundle(), dataConverter: codecDataConverter(fixtureKeys()) }, history, workflowId);
      const decoded = historyText(await decodeHistory(structuredClone(history), new AesGcmCodec(fixtureKeys())));
      assert.ok(decoded.includes('agentRun') && decoded.includes('fs.write'), name);
      await assert.rejects(
        Worker.runReplayHistory({ workflowBundle: await codecWorkflowBundle(), dataConverter: codecDataConverter(undefined) }, history, workflowId),
        (err: Error) => `${err.message} ${String((err as { cause?: Error }).cause?.message)}`.includes(CodecErrorCode.NoKeys),
      );
      await assert.rejects(decodeHistory(structuredClone(history), new AesGcmCodec(undefined)), (err: Error) => err.message.includes(`"${FIXTURE_KEY_ID}"`));
    }
  });

  test('policy replay --history on an encrypted export → decoded with --codec-keys and re-decided; without keys exit 1 naming Codec.NoKeys and the key id, with another key Codec.UnknownKey', async () => {
    const fixtures = encryptedFixtures();
    assert.ok(fixtures.length >= 1);
    const file = fixture('histories', fixtures[0]!.name);
    const ceiling = keyFile(AGENT_POLICY);
    const withKeys = await cli([
      'policy',
      'replay',
      '--policy',
      ceiling,
      '--history',
      file,
      '--codec-keys',
      keyFile(fs.readFileSync(FIXTURE_KEYS_FILE, 'utf8')),
      '-o',
      'json',
    ]);
    assert.equal(withKeys.code, 0, withKeys.stderr);
    const report = JSON.parse(withKeys.stdout) as { actions: number; counts: Record<string, number> };
    assert.equal(report.actions, 3, 'read, public write, private write: each resolved under the run policy from its start input');
    assert.equal(report.counts['unchanged'], 3, withKeys.stdout);

    const without = await cli(['policy', 'replay', '--policy', ceiling, '--history', file]);
    assert.equal(without.code, 1);
    assert.equal(without.stdout, '');
    assert.match(without.stderr, new RegExp(`cannot decode history .*agent-run-encrypted.*${CodecErrorCode.NoKeys}.*"${FIXTURE_KEY_ID}".*--codec-keys`));

    const other = await cli(['policy', 'replay', '--policy', ceiling, '--history', file, '--codec-keys', keyFile(newKeyLine('other-key'))]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, new RegExp(`${CodecErrorCode.UnknownKey}.*${FIXTURE_KEY_ID}`));
  });
});
