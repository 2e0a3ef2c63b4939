import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runFromFile } from '../../src/client/replay/load-histories';
import { replayPolicy } from '../../src/client/replay/replay-policy';
import { loadPolicyText } from '../../src/policy/load';
import { AGENT_POLICY } from '../helpers/agent';
import { fixture, repoRoot } from '../helpers/paths';
import { tempFolder } from '../helpers/temp-dir';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const history = (name: string): string => fixture('histories', '0.1.0', `${name}.json`);
const RECORDED = ['agent-run-happy', 'agent-run-denied', 'agent-run-compensated'].map(history);

function policyFile(text: string): string {
  const dir = tempFolder('replay-');
  const file = path.join(dir, 'policy.yaml');
  fs.writeFileSync(file, text);
  return file;
}

async function replayCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'policy', 'replay', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const recordedRuns = () => Promise.all(RECORDED.map((file) => runFromFile(file)));

test('policy replay: recorded runs under their own policy → every decision reproduced, ceiling hash matches', async () => {
  const runs = await recordedRuns();
  const policy = loadPolicyText(AGENT_POLICY, 'agent.yaml');
  const report = replayPolicy(runs, { policy, ceiling: policy });
  assert.equal(report.runs, 3);
  assert.equal(report.actions, 6);
  assert.equal(report.counts.unchanged, 6);
  assert.deepEqual(report.changes, []);
  assert.deepEqual(report.ceilingMismatches, []);
});

test('policy replay: a policy that allows nothing → every recorded allow is newly denied (re-evaluated, not echoed)', async () => {
  const report = replayPolicy(await recordedRuns(), { policy: loadPolicyText('version: 1\ncapabilities: []\n', 'none.yaml') });
  const allowed = (await recordedRuns()).flatMap((r) => r.actions).filter((a) => a.recorded.effect === 'allow').length;
  assert.ok(allowed >= 4);
  assert.equal(report.counts['newly-denied'], allowed);
  assert.deepEqual(report.byRule, { '(default deny)': allowed });
});

test('policy replay: one rule narrowed and one added → the exact diff, the never-ran caveat, --fail-on exits 1', async () => {
  const mutated = policyFile(
    AGENT_POLICY.replace('/workspace/output/**', '/workspace/output/keep/**') +
      '  - id: write-secrets\n    action: fs.write\n    resource: /workspace/secrets.txt\n',
  );
  const out = await replayCli([
    '--policy',
    mutated,
    '--history',
    history('agent-run-happy'),
    '--history',
    history('agent-run-denied'),
    '-o',
    'jsonl',
    '--fail-on',
    'newly-denied',
  ]);
  assert.equal(out.code, 1, out.stderr);
  const changes = out.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    changes.map((c) => [
      c['change'],
      c['action'],
      c['target'],
      (c['before'] as { ruleId?: string }).ruleId ?? null,
      (c['after'] as { ruleId?: string }).ruleId ?? null,
    ]),
    [
      ['newly-denied', 'fs.write', '/workspace/output/report.md', 'write-output', null],
      ['newly-allowed', 'fs.write', '/workspace/secrets.txt', null, 'write-secrets'],
    ],
  );
  assert.match(String(changes[1]?.['note']), /never ran: its outcome under the new policy is unknown/);
});

test('policy replay: text output counts changes per rule; no change and --fail-on any-change → exit 0', async () => {
  const same = policyFile(AGENT_POLICY);
  const out = await replayCli(['--policy', same, '--ceiling', same, ...RECORDED.flatMap((f) => ['--history', f]), '--fail-on', 'any-change']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'replayed 6 action(s) of 3 run(s) under the new policy\nnewly denied 0, newly allowed 0, newly asking 0, unchanged 6\n');
});

test('policy replay: no runs chosen, a missing history file, a bad --fail-on → usage errors (exit 2) that say how to fix', async () => {
  const same = policyFile(AGENT_POLICY);
  const none = await replayCli(['--policy', same]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /choose runs: -w\/--workflow-id ID/);
  const missing = await replayCli(['--policy', same, '--history', '/nonexistent/h.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read history \/nonexistent\/h\.json: no such file/);
  const bad = await replayCli(['--policy', same, '--history', history('agent-run-happy'), '--fail-on', 'sometimes']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fail-on must be one of newly-denied, any-change/);
});

test("policy replay: a program's other names recorded with its decision → a new deny on the bare name is newly-denied for the absolute request", () => {
  const action = (aliases?: string[]) => ({
    seq: 1,
    action: 'proc.exec',
    target: '/usr/bin/touch',
    params: { args: ['/workspace/x'] },
    ...(aliases !== undefined ? { aliases } : {}),
    recorded: { effect: 'allow', ruleId: 'usr-bin', reason: 'allowed by rule usr-bin' },
  });
  const policy = loadPolicyText(
    'version: 1\ncapabilities:\n  - { id: usr-bin, action: proc.exec, resource: "/usr/bin/*", constraint: { args: ["**"] } }\ndeny:\n  - { id: no-touch, action: proc.exec, resource: touch }\n',
    'no-touch.yaml',
  );
  const replay = (aliases?: string[]) => replayPolicy([{ workflowId: 'w', runId: 'r', actions: [action(aliases)], unpaired: 0 }], { policy });
  assert.deepEqual(replay(['touch']).byRule, { 'no-touch': 1 });
  assert.equal(replay(['touch']).counts['newly-denied'], 1);
  assert.equal(replay().counts.unchanged, 1, 'a run recorded before names were kept replays on its target alone');
});
