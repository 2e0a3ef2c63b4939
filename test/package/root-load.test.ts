/**
 * What importing the package root loads, in a fresh process (through require.cache): no
 * parser or schema library until it is used. yaml loads on the first policy parsed and ajv on
 * the first JSON Schema compiled; both still do their job then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

const ROOT = path.join(repoRoot, 'dist', 'src', 'index.js');

/** Runs `body` in a fresh Node after `const root = require(<package root>)`; returns its JSON output. */
function fresh<T>(body: string): T {
  const script = `
    const root = require(${JSON.stringify(ROOT)});
    const loaded = () => [...new Set(Object.keys(require.cache).flatMap((f) => {
      const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/.exec(f);
      return m ? [m[1]] : [];
    }))].sort();
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as T;
}

test('package root: required in a fresh process → no yaml, ajv, Temporal, undici or MCP SDK module is loaded', () => {
  const packages = fresh<string[]>('process.stdout.write(JSON.stringify(loaded()));');
  const heavy = packages.filter((p) => /^(yaml|ajv|@temporalio\/.*|undici|@modelcontextprotocol\/.*|zod)$/.test(p));
  assert.deepEqual(heavy, [], `the root loaded ${heavy.join(', ')}`);
});

test('package root: a Kernel built from a policy file → yaml loads then, the policy decides (allowed write lands, denied write does not)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-root-load-'));
  try {
    const work = path.join(dir, 'work');
    fs.mkdirSync(path.join(work, 'ok'), { recursive: true });
    const policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, `capabilities:\n  - action: fs.write\n    resource: ${work}/ok/**\n`);
    const got = fresh<{ before: string[]; after: string[]; statuses: string[] }>(`
      (async () => {
        const before = loaded();
        const kernel = new root.Kernel({ policy: ${JSON.stringify(policy)}, providers: [new root.FilesystemProvider()], logPath: ${JSON.stringify(path.join(dir, 'audit.log'))} });
        const ok = await kernel.submit({ action: 'fs.write', target: ${JSON.stringify(`${work}/ok/a.txt`)}, params: { content: 'yes' } });
        const no = await kernel.submit({ action: 'fs.write', target: ${JSON.stringify(`${work}/no.txt`)}, params: { content: 'no' } });
        await kernel.close();
        process.stdout.write(JSON.stringify({ before, after: loaded(), statuses: [ok.status, no.status] }));
      })();`);
    assert.ok(!got.before.includes('yaml'), 'yaml is not loaded before the first policy');
    assert.ok(got.after.includes('yaml'), 'parsing the policy loaded yaml');
    assert.deepEqual(got.statuses, ['OK', 'DENIED']);
    assert.equal(fs.readFileSync(path.join(work, 'ok', 'a.txt'), 'utf8'), 'yes');
    assert.equal(fs.existsSync(path.join(work, 'no.txt')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('package root: a tools file with an invalid `parameters` schema → ajv loads then and the problem is reported', () => {
  const got = fresh<{ before: boolean; message: string; after: boolean }>(`
    const before = loaded().includes('ajv');
    let message = '';
    const text = 'version: 1\\ntools:\\n  - name: t\\n    description: d\\n    action: fs.read\\n    target_from: path\\n    parameters: { type: nope }\\n';
    try { root.loadToolsText(text, 'tools.yaml'); } catch (err) { message = err.message; }
    process.stdout.write(JSON.stringify({ before, message, after: loaded().includes('ajv') }));`);
  assert.equal(got.before, false);
  assert.match(got.message, /tools\.yaml:7:\d+: .*`parameters` is not a valid JSON Schema/);
  assert.equal(got.after, true);
});
