/**
 * redteam15c: `policy replay` (text) printed the targets recorded in a run's history raw. A
 * target is the model's: bidirectional controls and C1 controls (the 8-bit CSI, U+009B) pass
 * the kernel's target checks, so a recorded target could reorder or rewrite the diff a
 * reviewer reads before shipping a policy (e.g. turn a "newly-allowed" row into something else).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fixture, repoRoot } from '../helpers/paths';
import { tempFolder } from '../helpers/temp-dir';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = '/workspace/data\u202e\u009b1A\u009b2Kvsc.csv';

/** The happy 0.1.0 history with its fs.read target replaced by `target` in every payload (request, decision, result). */
function historyWithTarget(target: string): string {
  const replace = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(replace);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'data' && typeof value === 'string') {
        const text = Buffer.from(value, 'base64').toString('utf8');
        if (text.includes('"/workspace/data.csv"'))
          record[key] = Buffer.from(text.split('"/workspace/data.csv"').join(JSON.stringify(target))).toString('base64');
      } else replace(value);
    }
  };
  const history = JSON.parse(fs.readFileSync(fixture('histories', '0.1.0', 'agent-run-happy.json'), 'utf8')) as unknown;
  replace(history);
  const file = path.join(tempFolder('rt15c-replay-'), 'history.json');
  fs.writeFileSync(file, JSON.stringify(history));
  return file;
}

test('policy replay (text): a recorded target with bidi and C1 controls → shown escaped, every line free of control characters', async () => {
  const dir = tempFolder('rt15c-replay-policy-');
  const policy = path.join(dir, 'none.yaml');
  fs.writeFileSync(policy, 'version: 1\ncapabilities: []\n');
  const { stdout } = await run(process.execPath, [cli, 'policy', 'replay', '--policy', policy, '--history', historyWithTarget(HOSTILE)]);
  assert.match(stdout, /newly-denied +fs\.read \/workspace\/data\\u202e\\u009b1A/, stdout);
  for (const line of stdout.replace(/\n$/, '').split('\n')) assert.doesNotMatch(line, UNSAFE, JSON.stringify(line));
});
