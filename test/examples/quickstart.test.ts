import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { fixture, repoRoot } from '../helpers/paths';
import { readLog, tempDir } from '../kernel/kernel-helpers';

describe('examples/quickstart', () => {
  test('quickstart: run → prints OK, the file contents, DENIED, not permitted and logs two chained records', async () => {
    const dir = tempDir('agent-os-quickstart-');
    const out = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'examples', 'quickstart.js'), dir], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'OK\nname,score\nada,3\ngrace,5\n\nDENIED\nnot permitted\n');
    assert.equal(fs.readFileSync(path.join(dir, 'policy.yaml'), 'utf8'), fs.readFileSync(fixture('quickstart', 'policy.yaml'), 'utf8'));

    const records = readLog(path.join(dir, 'kernel.log'));
    assert.equal(records.length, 2);
    assert.deepEqual(
      records.map((r) => [r['action'], r['target'], r['status'], r['error']]),
      [
        ['fs.read', '/workspace/data.csv', 'OK', undefined],
        ['fs.write', '/etc/passwd', 'DENIED', 'not permitted'],
      ],
    );
    for (const r of records) {
      assert.match(String(r['timestamp']), /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof r['duration_ms'], 'number');
    }
    assert.ok(!fs.readFileSync(path.join(dir, 'kernel.log'), 'utf8').includes('hacked'));
    assert.equal((await verifyAuditLog(path.join(dir, 'kernel.log'))).ok, true);
  });
});
