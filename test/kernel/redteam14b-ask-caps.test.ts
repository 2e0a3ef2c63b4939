/**
 * Red team 14b: an `ask` rule's caps (`max_bytes`, `timeout_ms`, `env`) are not a way around it.
 * A request beyond an ask rule's cap fell outside that rule (grant semantics), evaluation went on
 * to a capability over the same target, and it was allowed with nobody asked: reading a secret
 * with a large `max_bytes` skipped the approval a plain read of it needed, and so did a large
 * write to a folder whose writes need approval. Beyond the ask's cap is now denied.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

const CEILING = `
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
  - id: write-workspace
    action: fs.write
    resource: /workspace/**
ask:
  - id: ask-secrets
    action: fs.read
    resource: /workspace/secrets/**
    constraint: { max_bytes: 100 }
  - id: ask-config
    action: fs.write
    resource: /workspace/config/**
    constraint: { max_bytes: 16 }
`;

function setUp() {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  for (const d of ['secrets', 'config']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  fs.writeFileSync(path.join(ws, 'secrets', 'key'), 'sk-live-0123456789\n');
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({ policy: writePolicy(dir, CEILING), providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
  return { ws, kernel, logPath };
}

describe('redteam14b: a request beyond an ask rule’s cap is not allowed by a capability without asking', () => {
  test('fs.read of a secret with a large max_bytes → DENIED, the secret not returned (it was, with nobody asked)', async () => {
    const { kernel, logPath } = setUp();
    const plain = await kernel.submit({ action: 'fs.read', target: '/workspace/secrets/key' });
    const large = await kernel.submit({ action: 'fs.read', target: '/workspace/secrets/key', params: { max_bytes: 1_000_000 } });
    await kernel.close();
    assert.deepEqual([plain.status, plain.code], ['DENIED', 'Kernel.ApprovalRequired'], plain.reason);
    assert.equal(large.status, 'DENIED', `a large max_bytes dodged the ask: ${large.reason}`);
    assert.equal(JSON.stringify(large).includes('sk-live'), false);
    assert.match(large.reason ?? '', /ask-secrets/);
    assert.deepEqual(
      readLog(logPath).map((r) => [r['status'], r['code']]),
      [
        ['DENIED', 'Kernel.ApprovalRequired'],
        ['DENIED', 'Policy.Denied'],
      ],
    );
  });

  test('fs.write to config/ beyond the ask’s max_bytes → DENIED, nothing written; within it → asks', async () => {
    const { ws, kernel } = setUp();
    const big = await kernel.submit({ action: 'fs.write', target: '/workspace/config/app.yaml', params: { content: 'replicas: 0\n'.repeat(10) } });
    const small = await kernel.submit({ action: 'fs.write', target: '/workspace/config/app.yaml', params: { content: 'replicas: 3\n' } });
    const elsewhere = await kernel.submit({ action: 'fs.write', target: '/workspace/notes.txt', params: { content: 'x'.repeat(100) } });
    await kernel.close();
    assert.equal(big.status, 'DENIED', `a large write dodged the ask: ${big.reason}`);
    assert.equal(fs.existsSync(path.join(ws, 'config', 'app.yaml')), false);
    assert.deepEqual([small.status, small.code], ['DENIED', 'Kernel.ApprovalRequired']);
    assert.equal(elsewhere.status, 'OK', elsewhere.reason);
  });
});
