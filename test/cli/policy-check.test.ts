import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { policyCommandGroup, registerPolicyCommand } from '../../src/cli/policy';
import { fixture } from '../helpers/paths';
import { runPolicy } from './policy-check-harness';

const valid = (name: string) => fixture('policies', 'valid', name);
const invalid = (name: string) => fixture('policies', 'invalid', name);

describe('agent-os policy check', () => {
  test('policy check: the seed policy → exit 0, "FILE: OK (4 rules)"', async () => {
    const file = valid('seed-quickstart.yaml');
    const run = await runPolicy('check', file);
    assert.equal(run.code, 0);
    assert.equal(run.out, `${file}: OK (4 rules)\n`);
  });

  test('policy check: many problems → exit 1, every problem as file:line:col with a hint, then a count', async () => {
    const file = invalid('many-problems.yaml');
    const run = await runPolicy('check', file);
    assert.equal(run.code, 1);
    const lines = run.out.trimEnd().split('\n');
    const problemLines = lines.filter((l) => l.startsWith(`${file}:`) && /:\d+:\d+: E_/.test(l));
    assert.equal(problemLines.length, 16);
    assert.equal(lines.filter((l) => l.startsWith('    hint: ')).length, 16);
    assert.ok(problemLines.includes(`${file}:4:13: E_UNKNOWN_ACTION: unknown action "fs.wirte"`));
    assert.equal(lines.at(-1), `${file}: 16 problems`);
  });

  test('policy check --json: invalid file → exit 1 and the problems as JSON', async () => {
    const file = invalid('misspelled-action.yaml');
    const run = await runPolicy('check', file, '--json');
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.out), {
      file,
      ok: false,
      problems: [{ file, line: 3, col: 13, code: 'E_UNKNOWN_ACTION', message: 'unknown action "fs.wirte"', hint: 'did you mean "fs.write"?' }],
    });
  });

  test('policy check --json: valid file → exit 0 with rule count and hash', async () => {
    const run = await runPolicy('check', valid('full.yaml'), '--json');
    assert.equal(run.code, 0);
    const body = JSON.parse(run.out) as { ok: boolean; rules: number; hash: string };
    assert.equal(body.ok, true);
    assert.equal(body.rules, 9);
    assert.match(body.hash, /^[0-9a-f]{64}$/);
  });

  test('policy check: missing file → exit 2 (unreadable input) and a message naming the path', async () => {
    const run = await runPolicy('check', 'does-not-exist.yaml');
    assert.equal(run.code, 2);
    assert.match(run.err, /cannot read policy file "does-not-exist\.yaml": no such file/);
  });

  test('policy check: no FILE argument → exit 2 (usage)', async () => {
    const run = await runPolicy('check');
    assert.equal(run.code, 2);
  });

  test('policy check --extra-action: custom actions registered → exit 0; reserved namespace → exit 2', async () => {
    const file = valid('custom-action.yaml');
    assert.equal((await runPolicy('check', file)).code, 1);
    assert.equal((await runPolicy('check', file, '--extra-action', 'kv.get', '--extra-action', 'kv.put')).code, 0);
    assert.equal((await runPolicy('check', file, '--extra-action', 'fs.get')).code, 2);
  });

  test('policyCommandGroup: called twice → the same group, so other files can add subcommands', () => {
    const program = new Command('agent-os');
    const group = registerPolicyCommand(program);
    group.command('extra-subcommand');
    assert.equal(policyCommandGroup(program), group);
    assert.deepEqual(group.commands.map((c) => c.name()).slice(0, 2), ['check', 'test']);
    assert.ok(group.commands.some((c) => c.name() === 'extra-subcommand'));
  });
});
