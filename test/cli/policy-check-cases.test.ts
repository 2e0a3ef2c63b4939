import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../helpers/paths';
import { runPolicy } from './policy-check-harness';

const policy = (name: string) => fixture('policies', 'valid', name);
const cases = (name: string) => fixture('policies', 'cases', name);

describe('agent-os policy test', () => {
  test('policy test: every case passes → exit 0, one ✓ line per case, summary', async () => {
    const run = await runPolicy('test', policy('full.yaml'), cases('full-cases.yaml'));
    assert.equal(run.code, 0, run.out);
    const lines = run.out.trimEnd().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('✓ ')).length, 8);
    assert.equal(lines.at(-1), '8 passed, 0 failed');
  });

  test('policy test: mismatches → exit 1 with an expected/actual diff, the reason and the case position', async () => {
    const file = cases('failing-cases.yaml');
    const run = await runPolicy('test', policy('seed-quickstart.yaml'), file);
    assert.equal(run.code, 1);
    assert.ok(run.out.includes(`✗ writes to the output folder are denied  (${file}:12:5)\n`));
    assert.ok(run.out.includes('    - expected: deny\n    + actual:   allow by rule capabilities[1]\n'));
    assert.ok(run.out.includes('    - expected: allow by rule read-all\n    + actual:   allow by rule capabilities[0]\n'));
    assert.match(run.out, /reason: {3}allowed by rule capabilities\[1\]/);
    assert.ok(run.out.endsWith('2 passed, 2 failed\n'));
  });

  test('policy test --json: mismatches → exit 1, counts and per-case expected/actual', async () => {
    const run = await runPolicy('test', policy('seed-quickstart.yaml'), cases('failing-cases.yaml'), '--json');
    assert.equal(run.code, 1);
    const body = JSON.parse(run.out) as {
      ok: boolean;
      passed: number;
      failed: number;
      results: { name: string; passed: boolean; expected: { effect: string }; actual: { effect: string; rule: string | null } }[];
    };
    assert.deepEqual([body.ok, body.passed, body.failed], [false, 2, 2]);
    const failed = body.results.find((r) => r.name === 'writes to the output folder are denied');
    assert.deepEqual([failed?.passed, failed?.expected.effect, failed?.actual.effect, failed?.actual.rule], [false, 'deny', 'allow', 'capabilities[1]']);
  });

  test('policy test: invalid cases file → exit 1 listing its problems with positions', async () => {
    const file = cases('invalid-cases.yaml');
    const run = await runPolicy('test', policy('seed-quickstart.yaml'), file);
    assert.equal(run.code, 1);
    assert.ok(run.out.includes(`${file}:8:13: E_UNKNOWN_ACTION: unknown action "fs.raed"`));
    assert.ok(run.out.includes(`${file}:6:5: E_UNKNOWN_KEY: unknown key "expcet" in case cases[0]`));
  });

  test('policy test: invalid policy → exit 1 listing the policy problems, no case is run', async () => {
    const file = fixture('policies', 'invalid', 'misspelled-action.yaml');
    const run = await runPolicy('test', file, cases('full-cases.yaml'));
    assert.equal(run.code, 1);
    assert.ok(run.out.startsWith(`${file}:3:13: E_UNKNOWN_ACTION`));
    assert.ok(!run.out.includes('✓'));
  });

  test('policy test: missing cases file → exit 2 (unreadable input) naming it', async () => {
    const run = await runPolicy('test', policy('seed-quickstart.yaml'), 'nope-cases.yaml');
    assert.equal(run.code, 2);
    assert.match(run.err, /nope-cases\.yaml/);
  });
});
