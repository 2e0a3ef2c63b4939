import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildWorkerHost } from '../../src/worker/worker-host';
import { readHead } from '../../src/kernel/audit-head';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

test('buildWorkerHost: audit.headDir and rotateBytes → head kept in that folder, segments rotate, verify --anchor holds', async () => {
  const dir = tempDir();
  const workspace = path.join(dir, 'ws');
  fs.mkdirSync(workspace);
  const headDir = tempDir('agent-os-heads-');
  const logPath = path.join(dir, 'kernel.log');
  const host = buildWorkerHost({
    policyFile: writePolicy(dir, 'capabilities: []\n'),
    mounts: { '/workspace': workspace },
    logPath,
    snapshotsDir: path.join(dir, 'snap'),
    audit: { headDir, rotateBytes: 1000 },
    snapshotRetention: { maxRecords: 5 },
  });
  for (let i = 0; i < 6; i++) await host.kernel.submit({ action: 'fs.write', target: `/etc/x${i}`, params: { content: 'x' } });
  await host.close();
  const head = readHead(path.join(headDir, 'kernel.log.head'));
  assert.equal(head.count, 6);
  assert.ok(fs.existsSync(`${logPath}.000001`), 'the segment rotated');
  const result = await verifyAuditLog(logPath, { anchors: [path.join(headDir, 'kernel.log.head')] });
  assert.deepEqual([result.ok, result.records], [true, 6], JSON.stringify(result.problems));
});
