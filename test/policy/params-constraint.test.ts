import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { explainRequest, formatExplanation } from '../../src/policy/explain';
import { loadPolicyText } from '../../src/policy/load';
import { policyDoc } from './helpers/doc';

const GRANTS = `
capabilities:
  - id: read
    action: mcp.call
    resource: 'fs/read_{text_,}file'
    constraint: { params: { path: /workspace/** } }
  - id: read-many
    action: mcp.call
    resource: fs/read_multiple_files
    constraint: { params: { paths: { match: /workspace/**, max_length: 3 } } }
  - id: write
    action: mcp.call
    resource: fs/write_file
    constraint: { params: { path: /workspace/output/**, content: { max_length: 10 } } }
  - id: demo
    action: mcp.call
    resource: demo/add
    constraint: { params: { a: { min: 0, max: 100 }, mode: [fast, 'exact-*', 3] , opts.level: [1, 2] } }
  - id: kv
    action: kv.put
    resource: 'cache/**'
    constraint: { params: { ttl: { min: 0, max: 3600 } } }
`;
const DENIES = `
deny:
  - id: no-secrets
    action: mcp.call
    resource: 'fs/*'
    constraint: { params: { path: /workspace/secret/** } }
  - id: no-huge-ttl
    action: kv.put
    resource: '**'
    constraint: { params: { ttl: { max: 86400 } } }
`;
const load = (text: string) => compilePolicy(loadPolicyText(text, 'p.yaml', { extraActions: ['kv.put'] }));
/** The capabilities alone, and the capabilities with the deny rules. */
const grantsOnly = load(GRANTS);
const policy = load(GRANTS + DENIES);

function decide(action: string, target: string, params: Record<string, unknown>, p = policy) {
  return evaluate(p, canonicalizeRequest({ action, target, params }));
}
const call = (target: string, args: Record<string, unknown>, p = policy) => decide('mcp.call', target, { arguments: args }, p);

describe('params constraint: grants (capabilities)', () => {
  const table: [string, Record<string, unknown>, string, string][] = [
    ['fs/read_text_file', { path: '/workspace/a.txt' }, 'allow', 'read'],
    ['fs/read_text_file', { path: '/etc/passwd' }, 'deny', 'path'],
    ['fs/read_text_file', {}, 'deny', 'argument path is not given'],
    ['fs/read_text_file', { path: '/workspace/output/../../etc/passwd' }, 'deny', 'path'],
    ['fs/read_text_file', { path: 'relative.txt' }, 'deny', 'path'],
    ['fs/read_text_file', { path: 7 }, 'deny', 'path'],
    ['fs/read_multiple_files', { paths: ['/workspace/a', '/workspace/b'] }, 'allow', 'read-many'],
    ['fs/read_multiple_files', { paths: ['/workspace/a', '/etc/shadow'] }, 'deny', '/etc/shadow'],
    ['fs/read_multiple_files', { paths: ['/workspace/a', '/workspace/b', '/workspace/c', '/workspace/d'] }, 'deny', 'max_length 3'],
    ['fs/write_file', { path: '/workspace/output/r.md', content: 'short' }, 'allow', 'write'],
    ['fs/write_file', { path: '/workspace/output/r.md', content: 'far too long for the cap' }, 'deny', 'max_length 10'],
    ['fs/write_file', { path: '/workspace/data.csv', content: 'x' }, 'deny', 'path'],
    ['demo/add', { a: 5, mode: 'exact-2', opts: { level: 2 } }, 'allow', 'demo'],
    ['demo/add', { a: 5, mode: 3, opts: { level: 1 } }, 'allow', 'demo'],
    ['demo/add', { a: 101, mode: 'fast', opts: { level: 1 } }, 'deny', 'above max 100'],
    ['demo/add', { a: -1, mode: 'fast', opts: { level: 1 } }, 'deny', 'below min 0'],
    ['demo/add', { a: '5', mode: 'fast', opts: { level: 1 } }, 'deny', 'not a number'],
    ['demo/add', { a: 5, mode: 'slow', opts: { level: 1 } }, 'deny', 'mode'],
    ['demo/add', { a: 5, mode: '3', opts: { level: 1 } }, 'deny', 'mode'],
    ['demo/add', { a: 5, mode: 'fast', opts: { level: 3 } }, 'deny', 'opts.level'],
    ['demo/add', { a: 5, mode: 'fast' }, 'deny', 'opts.level is not given'],
  ];
  for (const [target, args, effect, why] of table) {
    test(`params grant: ${target} ${JSON.stringify(args)} → ${effect}`, () => {
      const d = call(target, args, grantsOnly);
      assert.equal(d.effect, effect, d.reason);
      if (effect === 'allow') assert.equal(d.ruleId, why);
      else assert.ok(d.reason.includes(why), d.reason);
    });
  }

  test('params grant: an inherited key (__proto__, toString) → not found, so not granted', () => {
    const args = JSON.parse('{"a":5,"mode":"fast","opts":{"__proto__":{"level":1}}}') as Record<string, unknown>;
    assert.equal(call('demo/add', args, grantsOnly).effect, 'deny');
    assert.equal(call('demo/add', { a: 5, mode: 'fast', opts: Object.create({ level: 1 }) as object }, grantsOnly).effect, 'deny');
  });

  test('params grant: custom action kv.put → judged on params (ttl 60 allowed, 7200 not)', () => {
    assert.equal(decide('kv.put', 'cache/a', { ttl: 60 }).effect, 'allow');
    assert.equal(decide('kv.put', 'cache/a', { ttl: 7200 }).effect, 'deny');
  });
});

describe('params constraint: denies (unstated = forbidden)', () => {
  test('params deny: a path inside the denied glob → denied by the deny rule, whatever grants', () => {
    const d = call('fs/read_text_file', { path: '/workspace/secret/key' });
    assert.equal(d.effect, 'deny');
    assert.equal(d.ruleId, 'no-secrets');
  });
  test('params deny: no path at all → the deny applies (missing counts as forbidden)', () => {
    assert.equal(call('fs/read_text_file', {}).ruleId, 'no-secrets');
  });
  test('params deny: a path outside the denied glob → the deny does not apply, the grant decides', () => {
    assert.equal(call('fs/read_text_file', { path: '/workspace/a.txt' }).effect, 'allow');
  });
  test('params deny: a path that is not normalised (..) → the deny applies (cannot be judged)', () => {
    assert.equal(call('fs/read_text_file', { path: '/workspace/public/../secret/key' }).ruleId, 'no-secrets');
  });
  test('params deny: one item of a list inside the denied glob → the deny applies', () => {
    assert.equal(call('fs/read_multiple_files', { paths: ['/workspace/a', '/workspace/secret/k'] }).ruleId, 'no-secrets');
  });
  test('params deny: a range on a deny → applies beyond the limit (ttl 90000) and to a missing or malformed ttl, not within', () => {
    assert.equal(decide('kv.put', 'cache/a', { ttl: 90000 }).ruleId, 'no-huge-ttl');
    assert.equal(decide('kv.put', 'cache/a', {}).ruleId, 'no-huge-ttl');
    assert.equal(decide('kv.put', 'cache/a', { ttl: 'x' }).ruleId, 'no-huge-ttl');
    assert.equal(decide('kv.put', 'cache/a', { ttl: 10 }).effect, 'allow');
  });
});

describe('mcp.call targets', () => {
  test('mcp.call: targets not in server/tool form → Policy.InvalidTarget', () => {
    for (const t of ['fs', 'fs/', '/read', 'Fs/read', 'fs__x/read', 'fs/a/b', 'fs/to ol']) {
      assert.throws(() => canonicalizeRequest({ action: 'mcp.call', target: t }), { code: 'Policy.InvalidTarget' }, t);
    }
  });
  test('mcp.call: arguments that are not an object → Policy.InvalidParams', () => {
    assert.throws(() => canonicalizeRequest({ action: 'mcp.call', target: 'fs/read', params: { arguments: [1] } }), { code: 'Policy.InvalidParams' });
  });
  test('mcp.call: a resource fs/* → every tool of fs and none of another server', () => {
    const p = compilePolicy(policyDoc({ capabilities: [['mcp.call', 'fs/*']] }));
    assert.equal(evaluate(p, { action: 'mcp.call', target: 'fs/read_file', params: {} }).effect, 'allow');
    assert.equal(evaluate(p, { action: 'mcp.call', target: 'fsx/read_file', params: {} }).effect, 'deny');
    assert.equal(evaluate(p, { action: 'mcp.call', target: 'fs/../x', params: {} }).effect, 'deny');
  });
  test('policy explain: an mcp.call outside the params grant → the reason names the argument, the rule shows its params', () => {
    const e = explainRequest(policy, { action: 'mcp.call', target: 'fs/write_file', params: { arguments: { path: '/workspace/x', content: 'a' } } });
    assert.equal(e.decision.effect, 'deny');
    const text = formatExplanation(e);
    assert.match(text, /argument path = "\/workspace\/x" does not match/);
    const ok = formatExplanation(
      explainRequest(policy, { action: 'mcp.call', target: 'fs/write_file', params: { arguments: { path: '/workspace/output/a', content: 'a' } } }),
    );
    assert.match(ok, /constraint: \{"params":\{"path":\{"match":\["\/workspace\/output\/\*\*"\]\},"content":\{"max_length":10\}\}\}/);
  });
});
