/**
 * Hostile HTTP requests: userinfo, backslash, `#@` and `?@` host confusion, encoded dots,
 * decimal / hex / IPv6 loopback hosts, scheme tricks, redirects to link-local metadata
 * addresses and off-policy paths, and a policy-allowed name that resolves to metadata.
 * `api.test` (allowed, 127.0.0.1) and `evil.test` (not allowed, 127.0.0.2) are canary
 * servers counting connections; the runner proves evil.test is never contacted.
 */
import assert from 'node:assert/strict';
import { runAdversarialTable, type AdversarialCase } from './adversarial-runner';
import type { Sandbox } from './adversarial-harness';

const get =
  (url: (s: Sandbox) => string, method = 'GET') =>
  (s: Sandbox) => ({ action: 'net.http', target: url(s), params: { method } });
const api = (s: Sandbox): string => `http://api.test:${s.api.port}`;
const evil = (s: Sandbox): string => `evil.test:${s.evil.port}`;
const redirectTo = (s: Sandbox, to: string): string => `${api(s)}/api/redirect?to=${encodeURIComponent(to)}`;
const notOk = ['DENIED', 'ERROR'] as const;
/** The first hop really reached the API (so the redirect, not the first request, was refused). */
const hopped = (s: Sandbox): void => assert.match(s.api.paths.at(-1) ?? '', /^\/api\/redirect\?to=/);

const cases: AdversarialCase[] = [
  {
    name: 'http baseline: GET on the allowed API → OK, one request seen',
    expect: 'OK',
    reachesApi: true,
    request: get((s) => `${api(s)}/api/ok`),
    check: (_r, s) => assert.ok(s.api.paths.includes('/api/ok')),
  },
  { name: 'http method: POST to a GET-only rule → DENIED', expect: 'DENIED', request: get((s) => `${api(s)}/api/ok`, 'POST') },
  {
    name: 'http userinfo: http://api.test:port@evil.test/… → DENIED (the host is evil.test)',
    expect: 'DENIED',
    request: get((s) => `http://api.test:${s.api.port}@${evil(s)}/api/x`),
  },
  {
    name: 'http userinfo: credentials in the URL of the allowed host → refused',
    expect: [...notOk],
    why: 'userinfo is refused by the canonical form or by the provider',
    request: get((s) => `http://user:pass@api.test:${s.api.port}/api/x`),
  },
  {
    name: 'http backslash: http://evil.test\\@api.test/… → DENIED (WHATWG: \\ is /, the host is evil.test)',
    expect: 'DENIED',
    request: get((s) => `http://${evil(s)}\\@api.test:${s.api.port}/api/x`),
  },
  { name: 'http fragment: http://evil.test#@api.test/… → DENIED', expect: 'DENIED', request: get((s) => `http://${evil(s)}#@api.test:${s.api.port}/api/x`) },
  { name: 'http query: http://evil.test?@api.test/… → DENIED', expect: 'DENIED', request: get((s) => `http://${evil(s)}?@api.test:${s.api.port}/api/x`) },
  { name: 'http encoded dots: /api/%2e%2e/admin → DENIED (judged as /admin)', expect: 'DENIED', request: get((s) => `${api(s)}/api/%2e%2e/admin`) },
  { name: 'http encoded dots: /api/.%2E/.%2e/admin → DENIED', expect: 'DENIED', request: get((s) => `${api(s)}/api/.%2E/.%2e/admin`) },
  { name: 'http dot segments: /api/../admin → DENIED', expect: 'DENIED', request: get((s) => `${api(s)}/api/../admin`) },
  { name: 'http decimal host: http://2130706433/ (127.0.0.1) → DENIED', expect: 'DENIED', request: get((s) => `http://2130706433:${s.api.port}/api/x`) },
  { name: 'http hex host: http://0x7f.0.0.1/ → DENIED', expect: 'DENIED', request: get((s) => `http://0x7f.0.0.1:${s.api.port}/api/x`) },
  { name: 'http IPv6 loopback: http://[::1]/ → DENIED', expect: 'DENIED', request: get((s) => `http://[::1]:${s.api.port}/api/x`) },
  {
    name: 'http IPv4-mapped IPv6: http://[::ffff:127.0.0.1]/ → DENIED',
    expect: 'DENIED',
    request: get((s) => `http://[::ffff:127.0.0.1]:${s.api.port}/api/x`),
  },
  { name: 'http localhost: http://localhost/ → DENIED', expect: 'DENIED', request: get((s) => `http://localhost:${s.api.port}/api/x`) },
  {
    name: 'http case trick: HTTP://API.TEST/api/x is the allowed host → OK',
    expect: 'OK',
    reachesApi: true,
    request: get((s) => `HTTP://API.TEST:${s.api.port}/api/case`),
    check: (_r, s) => assert.ok(s.api.paths.includes('/api/case')),
  },
  {
    name: 'http scheme: file:///etc/passwd → refused',
    expect: [...notOk],
    why: 'not an http(s) URL: invalid target or no rule',
    request: get(() => 'file:///etc/passwd'),
  },
  {
    name: 'http scheme: gopher://api.test/… → refused',
    expect: [...notOk],
    why: 'not an http(s) URL: invalid target or no rule',
    request: get((s) => `gopher://api.test:${s.api.port}/api/x`),
  },
  {
    name: 'http redirect: to the link-local metadata address 169.254.169.254 → not followed',
    expect: [...notOk],
    why: 'the hop is denied by the policy (DENIED) or the redirect fails (ERROR)',
    reachesApi: true,
    request: get((s) => redirectTo(s, 'http://169.254.169.254/latest/meta-data/')),
    check: (_r, s) => {
      hopped(s);
      assert.ok(!s.lookups.includes('169.254.169.254'));
    },
  },
  {
    name: 'http redirect: to IPv6 metadata [fd00:ec2::254] → not followed',
    expect: [...notOk],
    why: 'the hop is denied by the policy or refused as a private address',
    reachesApi: true,
    request: get((s) => redirectTo(s, 'http://[fd00:ec2::254]/latest/meta-data/')),
    check: (_r, s) => hopped(s),
  },
  {
    name: 'http redirect: to evil.test → not followed, evil.test never contacted',
    expect: [...notOk],
    why: 'the hop is denied by the policy',
    reachesApi: true,
    request: get((s) => redirectTo(s, `http://${evil(s)}/steal`)),
    check: (_r, s) => hopped(s),
  },
  {
    name: 'http redirect: to an off-policy path on the same host → not followed',
    expect: [...notOk],
    why: 'the hop is denied by the policy',
    reachesApi: true,
    request: get((s) => redirectTo(s, `${api(s)}/admin`)),
    check: (_r, s) => {
      hopped(s);
      assert.ok(!s.api.paths.includes('/admin'));
    },
  },
  {
    name: 'http DNS: a policy-allowed name resolving to 169.254.169.254 → ERROR, no connection',
    expect: 'ERROR',
    request: get((s) => `http://rebind.test:${s.api.port}/latest/meta-data/`),
    check: (r) => assert.doesNotMatch(JSON.stringify(r), /ami-id/),
  },
];

runAdversarialTable('adversarial: http', cases);
