/**
 * Red team 15d: a deny or ask rule on a URL is not dodged by the default port or by a brace group.
 * The reference says a deny whose URL names no port covers every port of its hosts. But a deny of
 * `https://evil.example:*` + `/**` (written to cover every port) did not cover
 * `https://evil.example/x`: canonical URLs drop the default port, so no `:` was left for `:*`
 * to match; and a deny of `https://{bad.example,worse.example:8443}` + `/**` covered bad.example
 * on no other port than 443, since one alternative named a port.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { loadPolicyText } from '../../src/policy/load';

const http = (target: string) => canonicalizeRequest({ action: 'net.http', target, params: { method: 'GET' } });

const POLICY = `
capabilities:
  - id: web
    action: net.http
    resource: 'https://**/**'
  - id: web-plain
    action: net.http
    resource: 'http://**/**'
deny:
  - id: evil-any-port
    action: net.http
    resource: 'https://evil.example:*/**'
  - id: bad-hosts
    action: net.http
    resource: 'https://{bad.example,worse.example:8443}/**'
  - id: plain-ports
    action: net.http
    resource: 'http://plain.example:{8080,80}/**'
ask:
  - id: ask-pay
    action: net.http
    resource: 'https://pay.example:*/**'
`;

describe('redteam15d: a deny or ask on a URL is not dodged by the default port or a brace group', () => {
  const policy = compilePolicy(loadPolicyText(POLICY, 'p.yaml'));
  for (const [target, rule] of [
    ['https://evil.example/x', 'evil-any-port'],
    ['https://evil.example:443/x', 'evil-any-port'],
    ['https://evil.example:8443/x', 'evil-any-port'],
    ['https://bad.example:9000/x', 'bad-hosts'],
    ['https://bad.example/x', 'bad-hosts'],
    ['https://worse.example:8443/x', 'bad-hosts'],
    ['http://plain.example/x', 'plain-ports'],
  ] as const) {
    test(`${target} → deny (${rule})`, () => {
      const d = evaluate(policy, http(target));
      assert.equal(d.effect, 'deny', d.reason);
      assert.equal(d.ruleId, rule);
    });
  }

  test('an ask with a port wildcard asks for the default port too', () => {
    for (const target of ['https://pay.example/charge', 'https://pay.example:8443/charge']) {
      const d = evaluate(policy, http(target));
      assert.equal(d.effect, 'ask', `${target}: ${d.reason}`);
    }
  });

  test('rules that name a port still cover only it, and grants do not widen', () => {
    assert.equal(evaluate(policy, http('https://worse.example:9000/x')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://worse.example/x')).effect, 'allow');
    assert.equal(evaluate(policy, http('http://plain.example:8081/x')).effect, 'allow');
    const grant = compilePolicy(loadPolicyText(`capabilities:\n  - action: net.http\n    resource: 'https://api.example:*/**'\n`, 'p.yaml'));
    assert.equal(evaluate(grant, http('https://api.example:8443/x')).effect, 'allow');
    assert.equal(evaluate(grant, http('https://api.example/x')).effect, 'deny');
  });
});
