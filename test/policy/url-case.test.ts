/**
 * A deny or ask on a URL path is not dodged by its case: Express (by default), ASP.NET and
 * IIS route `/ADMIN/users` to `/admin/users`. Grants stay case-sensitive. Each attack below
 * was allowed before.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { couldAllow } from '../../src/policy/could-allow';
import { evaluate } from '../../src/policy/evaluate';
import { loadPolicyText } from '../../src/policy/load';
import { caselessPathForm } from '../../src/policy/url-host';

const compile = (yaml: string) => compilePolicy(loadPolicyText(yaml, 'p.yaml'));
const http = (target: string, method = 'GET') => canonicalizeRequest({ action: 'net.http', target, params: { method } });

const POLICY = `
capabilities:
  - id: the-api
    action: net.http
    resource: 'https://api.example.com/**'
deny:
  - id: no-admin
    action: net.http
    resource: 'https://api.example.com/admin/**'
  - id: no-reports
    action: net.http
    resource: 'https://api.example.com/v1/Reports/**'
ask:
  - id: ask-billing
    action: net.http
    resource: 'https://api.example.com/billing/**'
`;

describe('URL rules: a deny or ask is not dodged by upper case in the path', () => {
  const policy = compile(POLICY);
  for (const target of [
    'https://api.example.com/ADMIN/users',
    'https://api.example.com/Admin',
    'https://api.example.com//aDmIn;x/users/',
    'https://api.example.com:443/admin/USERS',
    'https://api.example.com/V1/REPORTS/2026',
    'https://api.example.com/v1/reports/2026',
  ]) {
    test(`deny: ${target}`, () => {
      const d = evaluate(policy, http(target));
      assert.equal(d.effect, 'deny', d.reason);
      assert.match(d.ruleId ?? '', /^no-/);
      assert.equal(couldAllow(policy, 'net.http', http(target).target), false);
    });
  }
  test('ask: https://api.example.com/Billing/pay', () => {
    const d = evaluate(policy, http('https://api.example.com/Billing/pay', 'POST'));
    assert.equal(d.effect, 'ask', d.reason);
    assert.equal(d.ruleId, 'ask-billing');
  });
  test('ask written with upper case, target in lower case → asks', () => {
    const p = compile(POLICY.replace("'https://api.example.com/billing/**'", "'https://api.example.com/Billing/**'"));
    const d = evaluate(p, http('https://api.example.com/billing/pay', 'POST'));
    assert.equal(d.effect, 'ask', d.reason);
  });
  test('other paths in any case stay allowed; a grant is not widened by case', () => {
    assert.equal(evaluate(policy, http('https://api.example.com/Public/X')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://api.example.com/administrator')).effect, 'allow');
    const narrow = compile("capabilities:\n  - action: net.http\n    resource: 'https://api.example.com/public/**'\n");
    assert.equal(evaluate(narrow, http('https://api.example.com/PUBLIC/x')).effect, 'deny');
  });
  test('caselessPathForm: the path only, never the host; undefined when nothing changes', () => {
    assert.equal(caselessPathForm('https://api.example.com/A/%C3%A9'), 'https://api.example.com/a/%c3%a9');
    assert.equal(caselessPathForm('https://api.example.com/a'), undefined);
    assert.equal(caselessPathForm('/workspace/A'), undefined);
  });
});
