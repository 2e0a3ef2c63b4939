/**
 * Red team 13b (policy language): target spellings that slipped past URL rules. Each test
 * is an attack that worked before the fix it names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { couldAllow } from '../../src/policy/could-allow';
import { evaluate } from '../../src/policy/evaluate';
import { loadPolicyText } from '../../src/policy/load';

const compile = (yaml: string) => compilePolicy(loadPolicyText(yaml, 'p.yaml'));
const http = (target: string, method = 'GET') => canonicalizeRequest({ action: 'net.http', target, params: { method } });

const API_BUT_ADMIN = `
capabilities:
  - id: the-api
    action: net.http
    resource: 'https://api.example.com/**'
deny:
  - id: no-admin
    action: net.http
    resource: 'https://api.example.com/admin/**'
ask:
  - id: ask-billing
    action: net.http
    resource: 'https://api.example.com/billing/**'
`;

describe('redteam13b: a deny or ask is not dodged by "//" or ";params" in the URL path', () => {
  // Servers merge repeated slashes (nginx merge_slashes, werkzeug) and cut `;params` from
  // segments (Tomcat, Jetty): each target below reaches /admin/… there.
  const policy = compile(API_BUT_ADMIN);
  for (const target of [
    'https://api.example.com//admin/users',
    'https://api.example.com/admin//users',
    'https://api.example.com///admin',
    'https://api.example.com/admin;/users',
    'https://api.example.com/admin;jsessionid=1/users',
    'https://api.example.com/;x/admin/users',
    'https://api.example.com:443//admin;a=b//users',
  ]) {
    test(`deny: ${target}`, () => {
      const d = evaluate(policy, http(target));
      assert.equal(d.effect, 'deny', d.reason);
      assert.equal(d.ruleId, 'no-admin');
      assert.equal(couldAllow(policy, 'net.http', http(target).target), false);
    });
  }
  for (const target of ['https://api.example.com//billing/pay', 'https://api.example.com/billing;v=2/pay']) {
    test(`ask: ${target}`, () => {
      const d = evaluate(policy, http(target, 'POST'));
      assert.equal(d.effect, 'ask', d.reason);
      assert.equal(d.ruleId, 'ask-billing');
    });
  }
  test('a deny on another port still names its port; other paths are still allowed', () => {
    const p = compile(API_BUT_ADMIN.replace("'https://api.example.com/admin/**'", "'https://api.example.com:8443/admin/**'"));
    assert.equal(evaluate(p, http('https://api.example.com:8443//admin/x')).effect, 'deny');
    assert.equal(evaluate(policy, http('https://api.example.com//public/x')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://api.example.com/adminx;/y')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://api.example.com/v1/a;b')).effect, 'allow');
  });
  test('a grant is not widened by the merged form', () => {
    const p = compile("capabilities:\n  - action: net.http\n    resource: 'https://api.example.com/public/**'\n");
    assert.equal(evaluate(p, http('https://api.example.com/public;/x')).effect, 'deny');
    assert.equal(evaluate(p, http('https://api.example.com//public/x')).effect, 'deny');
  });
});
