import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { fixture, repoRoot } from '../helpers/paths';
import { readLog, tempDir } from '../kernel/kernel-helpers';

describe('examples/quickstart', () => {
  test("quickstart: run → prints OK, the file contents, DENIED, not permitted, a record id, OK, the agent loop's answer and logs six chained records (two of them MCP calls)", async () => {
    const dir = tempDir('agent-os-quickstart-');
    // No model key and no TEMPORAL_ADDRESS: the scripted model answers, on an embedded dev server the example starts and stops.
    const env = { ...process.env };
    for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'TEMPORAL_ADDRESS']) delete env[name];
    const out = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'examples', 'quickstart.js'), dir], { encoding: 'utf8', env });
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.split('\n');
    assert.equal(lines.slice(0, 7).join('\n'), 'OK\nname,score\nada,3\ngrace,5\n\nDENIED\nnot permitted');
    const recordId = lines[7] ?? '';
    assert.match(recordId, /^[0-9a-f]{32}$/);
    assert.deepEqual(lines.slice(8), ['OK', 'OK', 'hello from MCP', 'DENIED', 'data.csv (OK): 2 rows — ada,3; grace,5', '']);
    assert.equal(fs.readFileSync(path.join(dir, 'workspace', 'output', 'report.md'), 'utf8'), '# Report\n\noriginal content\n');
    assert.equal(fs.readFileSync(path.join(dir, 'policy.yaml'), 'utf8'), fs.readFileSync(fixture('quickstart', 'policy.yaml'), 'utf8'));

    const records = readLog(path.join(dir, 'kernel.log'));
    assert.equal(records.length, 6);
    assert.deepEqual(
      records.map((r) => [r['action'], r['target'], r['status'], r['error'], r['undo_of']]),
      [
        ['fs.read', '/workspace/data.csv', 'OK', undefined, undefined],
        ['fs.write', '/etc/passwd', 'DENIED', 'not permitted', undefined],
        ['fs.write', '/workspace/output/report.md', 'OK', undefined, undefined],
        ['fs.write', '/workspace/output/report.md', 'OK', undefined, recordId],
        ['mcp.call', 'my_server/echo', 'OK', undefined, undefined],
        ['mcp.call', 'my_server/add', 'DENIED', 'not permitted', undefined],
      ],
    );
    assert.notEqual(records[2]?.['hash'], recordId, 'the record id to roll back with is the reversible record, not an audit hash');
    assert.equal(records[3]?.['undo_of_hash'], records[2]?.['hash'], "the undo record links to the original's audit record");
    for (const r of records) {
      assert.match(String(r['timestamp']), /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof r['duration_ms'], 'number');
    }
    assert.ok(!fs.readFileSync(path.join(dir, 'kernel.log'), 'utf8').includes('hacked'));
    assert.equal((await verifyAuditLog(path.join(dir, 'kernel.log'))).ok, true);
  });
});
