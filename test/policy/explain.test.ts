import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compilePolicy } from '../../src/policy/compile';
import { explainRequest, formatExplanation } from '../../src/policy/explain';
import { loadPolicyText } from '../../src/policy/load';
import { runPolicy } from '../cli/policy-check-harness';

const yaml = [
  'capabilities:',
  '  - action: fs.read',
  '    resource: /workspace/**',
  '  - action: proc.exec',
  '    resource: git',
  'deny:',
  '  - id: deny-secrets',
  '    action: fs.*',
  '    resource: /workspace/.env',
  'ask:',
  '  - id: ask-deploy',
  '    action: proc.exec',
  '    resource: git',
  '    constraint:',
  '      args: [push, "**"]',
  '',
].join('\n');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-explain-'));
const file = path.join(dir, 'policy.yaml');
fs.writeFileSync(file, yaml);
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const policy = compilePolicy(loadPolicyText(yaml, 'policy.yaml'));

describe('explainRequest', () => {
  test('explainRequest: traversal → default deny on the canonical target, written form kept', () => {
    const e = explainRequest(policy, { action: 'fs.write', target: '/workspace/../etc/passwd' });
    assert.equal(e.decision.reason, 'no capability allows fs.write on /etc/passwd');
    assert.equal(
      formatExplanation(e),
      [
        'DENY fs.write /workspace/../etc/passwd',
        '  reason: no capability allows fs.write on /etc/passwd',
        '  target: /etc/passwd (canonical; written as /workspace/../etc/passwd)',
        '  rule:   none (default deny)',
      ].join('\n'),
    );
  });
  test('explainRequest: deny rule → the rule with its source position', () => {
    const e = explainRequest(policy, { action: 'fs.read', target: '/workspace/.env' });
    assert.equal(e.rule?.id, 'deny-secrets');
    assert.match(formatExplanation(e), /rule: {3}deny-secrets \(deny, policy\.yaml:\d+:\d+\): fs\.\* \/workspace\/\.env/);
  });
  test('explainRequest: invalid target → deny with the error code and hint, never a throw', () => {
    const e = explainRequest(policy, { action: 'proc.exec', target: './git' });
    assert.equal(e.decision.effect, 'deny');
    assert.equal(e.invalid?.code, 'Policy.InvalidTarget');
    assert.match(formatExplanation(e), /hint: {3}write a bare program name/);
    assert.match(formatExplanation(e), /target: none/);
  });
});

describe('agent-os policy explain', () => {
  test('policy explain: ask rule → prints ASK, the rule and the canonical target; exit 0', async () => {
    const r = await runPolicy('explain', file, 'proc.exec', 'git', '--params', '{"args":["push","origin"]}');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ASK proc\.exec git\n {2}reason: requires approval \(rule ask-deploy\): proc\.exec on git\n/);
  });
  test('policy explain --json: → one JSON object with effect, ruleId, reason, canonical target', async () => {
    const r = await runPolicy('explain', file, 'fs.read', '/workspace/./a//b.txt', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    assert.deepEqual([j['effect'], j['ruleId'], j['target'], j['input']], ['allow', 'capabilities[0]', '/workspace/a/b.txt', '/workspace/./a//b.txt']);
    assert.equal((j['rule'] as { resource: string }).resource, '/workspace/**');
  });
  test('policy explain: --params not a JSON object → exit 2', async () => {
    assert.equal((await runPolicy('explain', file, 'proc.exec', 'git', '--params', '[1]')).code, 2);
    assert.equal((await runPolicy('explain', file, 'proc.exec', 'git', '--params', '{oops')).code, 2);
  });
  test('policy explain: missing policy file → exit 2 (unreadable input, as every command)', async () => {
    assert.equal((await runPolicy('explain', path.join(dir, 'nope.yaml'), 'fs.read', '/workspace/a')).code, 2);
  });
  test('policy explain: missing TARGET argument → exit 2', async () => {
    assert.equal((await runPolicy('explain', file, 'fs.read')).code, 2);
  });
});
