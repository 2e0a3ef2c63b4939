import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { readKeyRingFile } from '../../src/codec/key-ring';
import { startDemoStack } from '../../src/dev/demo-stack';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { repoRoot } from '../helpers/paths';
import { temporal, uniqueId } from '../helpers/temporal';
import { codecWorkflowBundle, keysFile } from './helpers';

const TOKEN = 'cli-test-token-0123456789';

const temporalCli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(findTemporalCli(), args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** The CLI's JSON history with every base64 field (payload data and metadata) decoded to text, so plaintext is found by `includes`. */
function shown(stdout: string): string {
  const texts: string[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string')
      texts.push(v, key === 'data' || key === 'encoding' || key === 'encryption-key-id' ? Buffer.from(v, 'base64').toString('utf8') : '');
    else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(JSON.parse(stdout), '');
  return texts.join('\n');
}

/** Starts `agent-os codec-server` and resolves with its first JSON line and a stop function. */
async function codecServer(file: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'codec-server', '--codec-keys', file, '--port', '0', '-o', 'json'],
    {
      env: { ...process.env, AGENT_OS_CODEC_SERVER_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await stopped;
  };
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`agent-os codec-server exited ${code}: ${err}`)));
  });
  const info = JSON.parse(line) as { url: string; token?: string };
  assert.equal(info.token, undefined, 'a configured token is never printed');
  return { url: info.url, stop };
}

test('temporal CLI: `temporal workflow show` of an encrypted run → ciphertext without --codec-endpoint, the plaintext with agent-os codec-server and its token', async () => {
  const t = await temporal();
  const file = keysFile('cli-key');
  const stack = await startDemoStack({
    address: t.address,
    taskQueue: uniqueId('codec-cli'),
    workflowBundle: await codecWorkflowBundle(),
    codecKeys: readKeyRingFile(file),
  });
  const workflowId = uniqueId('codec-cli');
  try {
    await assert.rejects((await stack.startRun(workflowId)).result(), WorkflowFailedError);
  } finally {
    await stack.close();
  }
  const server = await codecServer(file);
  try {
    const base = ['workflow', 'show', '--address', t.address, '--workflow-id', workflowId, '--output', 'json'];
    const plain = await temporalCli(base);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(!shown(plain.stdout).includes('grace,37') && !shown(plain.stdout).includes('write-output'), 'no plaintext without the codec server');
    assert.match(shown(plain.stdout), /binary\/encrypted/, 'payloads show as encrypted');

    const decoded = await temporalCli([...base, '--codec-endpoint', server.url, '--codec-auth', `Bearer ${TOKEN}`]);
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.ok(shown(decoded.stdout).includes('grace,37'), 'the file content read by the run is shown');
    assert.ok(shown(decoded.stdout).includes('write-output'), 'the decision (rule id) is shown');
    assert.ok(!shown(decoded.stdout).includes('binary/encrypted'), 'every payload was decoded');

    const wrong = await temporalCli([...base, '--codec-endpoint', server.url, '--codec-auth', 'Bearer not-the-token-000000']);
    assert.ok(wrong.code !== 0 || !shown(wrong.stdout).includes('grace,37'), 'a wrong token decodes nothing');
  } finally {
    await server.stop();
  }
});
