import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { evaluateLayered } from '../../src/policy/layered';
import { HistoryLookup, historyEffects } from '../../src/policy/history';
import { loadPolicyText } from '../../src/policy/load';
import { PolicyValidationError } from '../../src/policy/errors';
import { applyHistoryEffects, MAX_HISTORY_CHARS, type RunHistory } from '../../src/workflows/run-history-state';
import type { CanonicalRequest } from '../../src/policy/types';
import { policySchema } from '../../src/policy/schema';
import { HISTORY_KEYS } from '../../src/policy/validate-history';
import Ajv from 'ajv';

const req = (action: string, target: string, params: Record<string, unknown> = {}): CanonicalRequest => ({ action, target, params });
const compile = (yaml: string) => compilePolicy(loadPolicyText(yaml, 'p.yaml'));
const at = (state: RunHistory, layer = 0) => ({ lookup: new HistoryLookup(state), layer });

function problems(yaml: string): string[] {
  try {
    loadPolicyText(yaml, 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof PolicyValidationError, String(err));
    return err.problems.map((p) => `${p.code} ${p.line}:${p.col} ${p.message}`);
  }
  return [];
}

const POLICY = `
capabilities:
  - id: writes
    action: fs.write
    resource: /workspace/**
    max_calls: 2
  - id: post-after-approval
    action: net.http
    resource: https://api.example.com/**
    requires: { approval: true }
  - id: read-then-write
    action: fs.write
    resource: /data/**
    requires: { rule: reads, same_target: true }
  - id: reads
    action: fs.read
    resource: /data/**
  - id: delete-own
    action: fs.delete
    resource: /workspace/**
    created_by_run: true
ask:
  - id: ask-post
    action: net.http
    resource: https://approve.example.com/**
`;

describe('history-aware rules: validation', () => {
  test('validate: max_calls, requires (id, rule + same_target, approval) and created_by_run → accepted', () => {
    const doc = loadPolicyText(POLICY + '  - id: x\n    action: fs.read\n    resource: /x/**\n    requires: reads\n', 'p.yaml');
    const byId = new Map([...doc.capabilities, ...doc.ask].map((r) => [r.id, r]));
    assert.deepEqual(byId.get('writes')?.history, { max_calls: 2 });
    assert.deepEqual(byId.get('read-then-write')?.history, { requires: { rule: 'reads', same_target: true } });
    assert.deepEqual(byId.get('post-after-approval')?.history, { requires: { approval: true } });
    assert.deepEqual(byId.get('delete-own')?.history, { created_by_run: true });
    assert.deepEqual(byId.get('x')?.history, { requires: { rule: 'reads' } });
    assert.equal(byId.get('reads')?.history, undefined);
  });

  test('validate: bad history keys → every problem with its position, nothing loaded', () => {
    const found = problems(`
capabilities:
  - id: a
    action: fs.read
    resource: /w/**
    max_calls: 0
  - id: b
    action: fs.read
    resource: /w/**
    requires: nope
  - id: c
    action: fs.read
    resource: /w/**
    requires: c
  - id: d
    action: fs.read
    resource: /w/**
    created_by_run: true
  - id: e
    action: fs.write
    resource: /w/**
    requires: { rule: a, approval: true }
  - id: f
    action: fs.read
    resource: /w/**
    requires: gone
deny:
  - id: gone
    action: fs.delete
    resource: /w/**
    max_calls: 3
`);
    assert.deepEqual(
      found.map((p) => p.split(' ').slice(0, 2).join(' ')),
      [
        'E_INVALID_VALUE 6:16',
        'E_INVALID_VALUE 10:15',
        'E_INVALID_VALUE 14:15',
        'E_CONSTRAINT_FOR_ACTION 18:5',
        'E_INVALID_VALUE 22:15',
        'E_INVALID_VALUE 26:15',
        'E_INVALID_VALUE 31:5',
      ],
      found.join('\n'),
    );
    assert.match(found[1] ?? '', /requires names rule "nope", which is not in this file/);
    assert.match(found[2] ?? '', /requires itself/);
    assert.match(found[5] ?? '', /deny rule "gone"/);
    assert.match(found[6] ?? '', /"max_calls" does not apply to a deny rule/);
  });
});

describe('history-aware rules: evaluation', () => {
  const policy = compile(POLICY);

  test('max_calls: below the limit → allowed, naming the call; at the limit → default deny saying max_calls is used up', () => {
    const first = evaluate(policy, req('fs.write', '/workspace/a'), at({}));
    assert.equal(first.effect, 'allow');
    assert.match(first.reason, /call 1 of at most 2 this run/);
    assert.deepEqual(first.grantedBy, ['0:writes']);
    assert.equal(evaluate(policy, req('fs.write', '/workspace/a'), at({ calls: { '0:writes': 1 } })).effect, 'allow');
    const used = evaluate(policy, req('fs.write', '/workspace/a'), at({ calls: { '0:writes': 2 } }));
    assert.equal(used.effect, 'deny');
    assert.equal(used.ruleId, undefined);
    assert.match(used.reason, /rule writes matches the target, but its max_calls of 2 per run is used up \(2 call\(s\) so far\)/);
  });

  test('max_calls: a counter of another layer → does not count (keys are per layer)', () => {
    assert.equal(evaluate(policy, req('fs.write', '/workspace/a'), at({ calls: { '1:writes': 5 } })).effect, 'allow');
  });

  test('requires approval: none yet → denied; after an approval → allowed', () => {
    const r = req('net.http', 'https://api.example.com/x', { method: 'POST' });
    const before = evaluate(policy, r, at({}));
    assert.equal(before.effect, 'deny');
    assert.match(before.reason, /requires an approval to have allowed an action earlier in this run/);
    assert.equal(evaluate(policy, r, at({ calls: { approval: 1 } })).effect, 'allow');
  });

  test('requires rule with same_target: granted on another target → denied; on the same target → allowed', () => {
    const r = req('fs.write', '/data/a.csv');
    assert.equal(evaluate(policy, r, at({ granted: ['0:reads /data/b.csv'] })).effect, 'deny');
    assert.equal(evaluate(policy, r, at({ granted: ['0:reads /data/a.csv'] })).effect, 'allow');
  });

  test('created_by_run on fs.delete: not created → denied; created → allowed; no history given → a fresh run (denied)', () => {
    const r = req('fs.delete', '/workspace/old.txt');
    const d = evaluate(policy, r, at({ created: ['/workspace/new.txt'] }));
    assert.equal(d.effect, 'deny');
    assert.match(d.reason, /this run did not create \/workspace\/old.txt/);
    assert.equal(evaluate(policy, r, at({ created: ['/workspace/old.txt'] })).effect, 'allow');
    assert.equal(evaluate(policy, r).effect, 'deny');
  });

  test('created_by_run on fs.write: a target the run did not create → granted create-only; one it created → a plain grant', () => {
    const p = compile('capabilities:\n  - id: w\n    action: fs.write\n    resource: /workspace/**\n    created_by_run: true\n');
    const fresh = evaluate(p, req('fs.write', '/workspace/a'), at({}));
    assert.equal(fresh.effect, 'allow');
    assert.equal(fresh.constraint?.create_only, true);
    assert.match(fresh.reason, /a new file only/);
    const own = evaluate(p, req('fs.write', '/workspace/a'), at({ created: ['/workspace/a'] }));
    assert.equal(own.effect, 'allow');
    assert.equal(own.constraint?.create_only, undefined);
  });

  test('layered: each layer is judged at its index; grantedBy names every granting layer and create_only survives the merge', () => {
    const ceiling = compile('capabilities:\n  - id: w\n    action: fs.write\n    resource: /workspace/**\n');
    const run = compile('capabilities:\n  - id: w\n    action: fs.write\n    resource: /workspace/**\n    max_calls: 1\n    created_by_run: true\n');
    const d = evaluateLayered([ceiling, run], req('fs.write', '/workspace/a'), new HistoryLookup({ calls: { '0:w': 7 } }));
    assert.equal(d.effect, 'allow');
    assert.deepEqual(d.grantedBy, ['0:w', '1:w']);
    assert.equal(d.constraint?.create_only, true);
    assert.equal(evaluateLayered([ceiling, run], req('fs.write', '/workspace/a'), new HistoryLookup({ calls: { '1:w': 1 } })).effect, 'deny');
  });

  test('historyEffects: counts rules with max_calls or named by requires, records same_target pairs, approvals and created targets only', () => {
    const d = evaluate(policy, req('fs.read', '/data/a.csv'), at({}));
    assert.deepEqual(historyEffects([policy], d, { request: req('fs.read', '/data/a.csv'), approved: false }), { granted: ['0:reads /data/a.csv'] });
    const w = evaluate(policy, req('fs.write', '/workspace/n'), at({}));
    assert.deepEqual(historyEffects([policy], w, { request: req('fs.write', '/workspace/n'), approved: false, created: true }), {
      calls: ['0:writes'],
      created: '/workspace/n',
    });
    const ask = evaluate(policy, req('net.http', 'https://approve.example.com/x'), at({}));
    assert.deepEqual(historyEffects([policy], ask, { request: req('net.http', 'https://approve.example.com/x'), approved: true }), { calls: ['approval'] });
    const plain = compile('capabilities:\n  - action: fs.write\n    resource: /workspace/**\n');
    assert.equal(
      historyEffects([plain], evaluate(plain, req('fs.write', '/workspace/n')), { request: req('fs.write', '/workspace/n'), approved: false, created: true }),
      undefined,
    );
  });
});

describe('run history state', () => {
  test('applyHistoryEffects: counts, adds, removes a deleted target', () => {
    let s: RunHistory = {};
    s = applyHistoryEffects(s, { calls: ['0:w', '0:w'], created: '/w/a' });
    s = applyHistoryEffects(s, { calls: ['0:w'], created: '/w/b', granted: ['0:r /w/a'] });
    s = applyHistoryEffects(s, { removed: '/w/a' });
    assert.deepEqual(s, { calls: { '0:w': 3 }, granted: ['0:r /w/a'], created: ['/w/b'] });
  });

  test('applyHistoryEffects: past the bound → entries are dropped and counted, so created_by_run denies them (fail closed)', () => {
    const long = '/w/' + 'x'.repeat(1000);
    let s: RunHistory = {};
    for (let i = 0; i < 40; i++) s = applyHistoryEffects(s, { created: `${long}${i}` });
    const kept = s.created?.length ?? 0;
    assert.ok(kept < 40 && kept * 1000 <= MAX_HISTORY_CHARS, `kept ${kept}`);
    assert.equal(s.dropped, 40 - kept);
    const policy = compile('capabilities:\n  - id: d\n    action: fs.delete\n    resource: /w/**\n    created_by_run: true\n');
    const d = evaluate(policy, req('fs.delete', `${long}39`), at(s));
    assert.equal(d.effect, 'deny');
    assert.match(d.reason, /the run state is full/);
    assert.equal(evaluate(policy, req('fs.delete', `${long}0`), at(s)).effect, 'allow');
  });
});

describe('created_by_run bound to the created file (createdFiles)', () => {
  const policy = compile(
    'capabilities:\n  - id: w\n    action: fs.write\n    resource: /w/**\n    created_by_run: true\n  - id: d\n    action: fs.delete\n    resource: /w/**\n    created_by_run: true\n',
  );

  test('a target created with its identity → delete and overwrite granted with created_file; a path-only entry (older code) → granted without (checked by path, as before)', () => {
    const bound = at({ createdFiles: ['1:2:3 /w/a b.txt'], created: ['/w/old.txt'] });
    const del = evaluate(policy, req('fs.delete', '/w/a b.txt'), bound);
    assert.equal(del.effect, 'allow');
    assert.equal(del.constraint?.created_file, '1:2:3');
    const write = evaluate(policy, req('fs.write', '/w/a b.txt'), bound);
    assert.equal(write.constraint?.created_file, '1:2:3');
    assert.equal(write.constraint?.create_only, undefined);
    const legacy = evaluate(policy, req('fs.delete', '/w/old.txt'), bound);
    assert.equal(legacy.effect, 'allow');
    assert.equal(legacy.constraint?.created_file, undefined);
    const fresh = evaluate(policy, req('fs.write', '/w/new.txt'), bound);
    assert.deepEqual([fresh.constraint?.create_only, fresh.constraint?.created_file], [true, undefined]);
  });

  test('layered: a plain delete grant in one layer keeps the created_file of the created_by_run layer', () => {
    const plain = compile('capabilities:\n  - id: d\n    action: fs.delete\n    resource: /w/**\n');
    for (const layers of [
      [policy, plain],
      [plain, policy],
    ]) {
      const d = evaluateLayered(layers, req('fs.delete', '/w/a'), new HistoryLookup({ createdFiles: ['7:8:9 /w/a'] }));
      assert.equal(d.effect, 'allow');
      assert.equal(d.constraint?.created_file, '7:8:9');
    }
  });

  test('historyEffects: the identity the provider reported travels with the created target', () => {
    const w = evaluate(policy, req('fs.write', '/w/n'), at({}));
    assert.deepEqual(historyEffects([policy], w, { request: req('fs.write', '/w/n'), approved: false, created: true, file: '1:2:3' }), {
      created: '/w/n',
      createdFile: '1:2:3',
    });
  });

  test('applyHistoryEffects: a write again replaces the identity; a path-only entry is upgraded; a recursive delete removes both kinds below it', () => {
    let s: RunHistory = { created: ['/w/d/old.txt'] };
    s = applyHistoryEffects(s, { created: '/w/d/a.txt', createdFile: '1:2:3' });
    s = applyHistoryEffects(s, { created: '/w/d/a.txt', createdFile: '1:5:6' });
    assert.deepEqual(s, { created: ['/w/d/old.txt'], createdFiles: ['1:5:6 /w/d/a.txt'] });
    s = applyHistoryEffects(s, { created: '/w/d/old.txt', createdFile: '1:9:9' });
    assert.deepEqual(s, { createdFiles: ['1:5:6 /w/d/a.txt', '1:9:9 /w/d/old.txt'] });
    // Written again by a provider that reports no identity: the stale identity goes, the path stays.
    s = applyHistoryEffects(s, { created: '/w/d/a.txt' });
    assert.deepEqual(s, { created: ['/w/d/a.txt'], createdFiles: ['1:9:9 /w/d/old.txt'] });
    s = applyHistoryEffects(s, { created: '/w/e.txt', createdFile: 'bad identity' });
    assert.deepEqual(s.created, ['/w/d/a.txt', '/w/e.txt'], 'a malformed identity is not kept: the target is path-only');
    s = applyHistoryEffects(s, { removed: '/w/d' });
    assert.deepEqual(s, { created: ['/w/e.txt'] });
    assert.equal(new HistoryLookup({ createdFiles: ['1:2:3 /w/x'] }).created('/w/x'), true);
  });

  test('the bound counts the identities: entries past MAX_HISTORY_CHARS are dropped (fail closed)', () => {
    const long = '/w/' + 'x'.repeat(1000);
    const file = '66306:123456789012:1764583200123456789';
    let s: RunHistory = {};
    for (let i = 0; i < 40; i++) s = applyHistoryEffects(s, { created: `${long}${i}`, createdFile: file });
    const kept = s.createdFiles?.length ?? 0;
    assert.ok(kept > 0 && kept * (1004 + file.length + 1) <= MAX_HISTORY_CHARS, `kept ${kept}`);
    assert.equal(s.dropped, 40 - kept);
    assert.equal(evaluate(policy, req('fs.delete', `${long}39`), at(s)).effect, 'deny');
    // A target as long as an entry may be still fits with its identity.
    const max = '/w/' + 'y'.repeat(2045);
    assert.deepEqual(applyHistoryEffects({}, { created: max, createdFile: file }).createdFiles, [`${file} ${max}`]);
  });
});

describe('history-aware rules: JSON Schema', () => {
  test('schema drift: the history keys → rule properties of the schema, refused on deny rules', () => {
    const defs = (policySchema as unknown as { definitions: Record<string, { properties: Record<string, unknown> }> }).definitions;
    for (const key of HISTORY_KEYS) assert.ok(key in (defs['rule']?.properties ?? {}), key);
    const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(policySchema);
    const rule = { action: 'fs.delete', resource: '/w/**', created_by_run: true, max_calls: 2, requires: { approval: true } };
    assert.equal(validate({ capabilities: [rule] }), true, JSON.stringify(validate.errors));
    assert.equal(validate({ deny: [rule] }), false);
    assert.equal(validate({ capabilities: [{ ...rule, action: 'fs.read' }] }), false, 'created_by_run on fs.read');
  });
});
