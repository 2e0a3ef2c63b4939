/**
 * Red team 14 (URL rules): many servers route paths case-insensitively — Express (its
 * default `caseSensitive: false`), ASP.NET and IIS — so `/ADMIN/users` reaches the handler
 * of `/admin/users` there. A deny or ask on a URL path must not be dodged by a case spelling;
 * grants are never widened by it.
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
  - id: reports
    action: net.http
    resource: 'https://api.example.com/Reports/*'
deny:
  - id: no-admin
    action: net.http
    resource: 'https://api.example.com/admin/**'
  - id: no-export
    action: net.http
    resource: 'https://api.example.com/v1/Users/*/Export'
ask:
  - id: ask-billing
    action: net.http
    resource: 'https://api.example.com/billing/**'
`;

describe('redteam14: a deny or ask on a URL path is not dodged by upper- or mixed-case letters', () => {
  const policy = compile(POLICY);
  for (const [target, rule] of [
    ['https://api.example.com/ADMIN/users', 'no-admin'],
    ['https://api.example.com/Admin/users', 'no-admin'],
    ['https://api.example.com/aDmIn', 'no-admin'],
    ['https://api.example.com//Admin;x/users/', 'no-admin'],
    ['https://api.example.com/v1/users/7/export', 'no-export'],
    ['https://api.example.com/V1/USERS/7/EXPORT', 'no-export'],
  ] as const) {
    test(`deny: ${target}`, () => {
      const d = evaluate(policy, http(target));
      assert.equal(d.effect, 'deny', d.reason);
      assert.equal(d.ruleId, rule);
      assert.equal(couldAllow(policy, 'net.http', http(target).target), false);
    });
  }
  for (const target of ['https://api.example.com/BILLING/pay', 'https://api.example.com/Billing/pay']) {
    test(`ask: ${target}`, () => {
      const d = evaluate(policy, http(target, 'POST'));
      assert.equal(d.effect, 'ask', d.reason);
      assert.equal(d.ruleId, 'ask-billing');
    });
  }

  test('escapes keep their spelling (%C3%A9 is not %c3%a9); other paths, and the host part, are unaffected', () => {
    const p = compile(`${POLICY}  - id: ask-cafe
    action: net.http
    resource: 'https://api.example.com/caf%C3%A9/**'
`);
    assert.equal(evaluate(p, http('https://api.example.com/CAF%C3%A9/menu')).effect, 'ask');
    assert.equal(evaluate(p, http('https://api.example.com/CAF%c3%a9/menu')).effect, 'ask');
    assert.equal(evaluate(policy, http('https://api.example.com/Users/admin')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://API.EXAMPLE.COM/public')).effect, 'allow');
  });

  test('a grant is not widened by case: Reports/* grants /Reports/x and not /reports/x (outside the-api)', () => {
    const p = compile(`
capabilities:
  - id: reports
    action: net.http
    resource: 'https://api.example.com/Reports/*'
`);
    assert.equal(evaluate(p, http('https://api.example.com/Reports/q1')).effect, 'allow');
    assert.equal(evaluate(p, http('https://api.example.com/reports/q1')).effect, 'deny');
    assert.equal(evaluate(p, http('https://api.example.com/REPORTS/q1')).effect, 'deny');
  });

  test('an ask written with upper case covers the target in lower case, where a capability allows it', () => {
    const p = compile(POLICY.replace("'https://api.example.com/billing/**'", "'https://api.example.com/Billing/**'"));
    const d = evaluate(p, http('https://api.example.com/billing/pay', 'POST'));
    assert.equal(d.effect, 'ask', d.reason);
    assert.equal(d.ruleId, 'ask-billing');
  });

  test('caselessPathForm: the path only, never the host; undefined when nothing changes', () => {
    assert.equal(caselessPathForm('https://api.example.com/A/%C3%A9'), 'https://api.example.com/a/%c3%a9');
    assert.equal(caselessPathForm('https://api.example.com/a'), undefined);
    assert.equal(caselessPathForm('/workspace/A'), undefined);
  });
});
