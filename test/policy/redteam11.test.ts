/**
 * Red team 11 (policy language): attacks on how URL rules are matched. Each test is an
 * attack that worked before the fix it names.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { couldAllow } from '../../src/policy/could-allow';
import { evaluate } from '../../src/policy/evaluate';
import { evaluateLayered } from '../../src/policy/layered';
import { loadPolicyText } from '../../src/policy/load';
import { validatePolicy } from '../../src/policy/validate';
import { parsePolicy } from '../../src/policy/parse';

const compile = (yaml: string) => compilePolicy(loadPolicyText(yaml, 'p.yaml'));
const http = (target: string, method = 'GET') => canonicalizeRequest({ action: 'net.http', target, params: { method } });
const problems = (yaml: string) => validatePolicy(parsePolicy(yaml, 'p.yaml')).problems.map((p) => `${p.code}: ${p.message}`);

const WEB_BUT_EVIL = `
capabilities:
  - id: the-web
    action: net.http
    resource: 'https://*/**'
  - id: the-plain-web
    action: net.http
    resource: 'http://*/**'
deny:
  - id: no-evil
    action: net.http
    resource: 'https://evil.example/**'
  - id: no-evil-subdomains
    action: net.http
    resource: 'https://*.evil.example/**'
  - id: no-metadata
    action: net.http
    resource: 'http://169.254.169.254/**'
  - id: no-v6-loopback
    action: net.http
    resource: 'http://[::1]/**'
`;

describe('redteam11: a deny rule that names a host covers every port of it', () => {
  const policy = compile(WEB_BUT_EVIL);
  for (const target of [
    'https://evil.example:8443/upload',
    'https://evil.example:1/x',
    'https://a.evil.example:8443/upload',
    'http://169.254.169.254:80/latest/meta-data',
    'http://169.254.169.254:8080/latest/meta-data',
    'http://[::1]:8080/',
  ]) {
    test(`deny-by-host: ${target} → deny (a non-default port does not dodge the deny)`, () => {
      const d = evaluate(policy, http(target));
      assert.equal(d.effect, 'deny', `${target} was ${d.effect}: ${d.reason}`);
    });
  }
  test('deny-by-host: the same holds layered (a run policy under the ceiling) and for CONNECT tunnels', () => {
    const open = compile("capabilities:\n  - action: net.http\n    resource: 'https://*/**'\n");
    assert.equal(evaluateLayered([open, policy], http('https://evil.example:8443/', 'CONNECT')).effect, 'deny');
    assert.equal(evaluateLayered([policy, open], http('https://evil.example:8443/', 'CONNECT')).effect, 'deny');
  });
  test('deny-by-host: other hosts and ports are still allowed; a grant still names its port', () => {
    assert.equal(evaluate(policy, http('https://good.example:8443/x')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://notevil.example/x')).effect, 'allow');
    const narrow = compile("capabilities:\n  - action: net.http\n    resource: 'https://api.example.com/**'\n");
    assert.equal(evaluate(narrow, http('https://api.example.com:8443/x')).effect, 'deny');
  });
  test('deny-by-host: a deny that names a port covers only that port', () => {
    const p = compile(
      "capabilities:\n  - action: net.http\n    resource: 'https://*/**'\ndeny:\n  - action: net.http\n    resource: 'https://evil.example:8443/**'\n",
    );
    assert.equal(evaluate(p, http('https://evil.example:8443/x')).effect, 'deny');
    assert.equal(evaluate(p, http('https://evil.example/x')).effect, 'allow');
  });
  test('deny-by-host: couldAllow agrees (a deny on the host hides the tool whatever the port)', () => {
    assert.equal(couldAllow(compile(WEB_BUT_EVIL), 'net.http', 'https://evil.example:8443/x'), false);
  });
});

describe('redteam11: a URL glob whose host is not written in canonical form is refused, not silently dead', () => {
  // The literal head of a URL rule is put in canonical form; a head with a wildcard was only
  // lower-cased, so these deny rules could never match a (canonical) request target.
  for (const [resource, request] of [
    ['https://*.evil.example:443/**', 'https://a.evil.example/x'],
    ['http://{a,b}.evil.example:80/**', 'http://a.evil.example/x'],
    ['https://*.bücher.example/**', 'https://www.bücher.example/x'],
    ['https://{evil.example,bad.example}./**', 'https://evil.example/x'],
    ['https://*.evil%2Eexample/**', 'https://a.evil.example/x'],
  ] as const) {
    test(`glob head: deny ${resource} is a validation problem (it matched nothing: ${request} was allowed)`, () => {
      const yaml = `capabilities:\n  - action: net.http\n    resource: 'https://*/**'\n  - action: net.http\n    resource: 'http://*/**'\ndeny:\n  - action: net.http\n    resource: '${resource}'\n`;
      const found = problems(yaml);
      if (found.length === 0) assert.fail(`deny ${resource} was accepted, and ${request} → ${evaluate(compile(yaml), http(request)).effect}`);
      assert.match(found.join('\n'), /E_RESOURCE_FORM: .*host pattern/);
    });
  }
  test('glob head: canonical globs and literal heads in any spelling still load', () => {
    for (const resource of [
      'https://*.example.com/**',
      'https://*.example.com:8443/**',
      'https://{api,www}.example.com/**',
      'https://*.XN--bcher-kva.example/**',
      'https://API.Example.com:443/**',
      'https://bücher.example/**',
      'http://[::1]:8080/**',
    ]) {
      assert.deepEqual(problems(`deny:\n  - action: net.http\n    resource: '${resource}'\n`), [], resource);
    }
  });
});

describe('redteam11: a params deny is not dodged by spelling a value as another type', () => {
  const deny = (cond: string) =>
    compile(
      `capabilities:\n  - action: mcp.call\n    resource: 'db/*'\ndeny:\n  - id: d\n    action: mcp.call\n    resource: 'db/*'\n    constraint:\n      params: ${cond}\n`,
    );
  const call = (args: Record<string, unknown>) => canonicalizeRequest({ action: 'mcp.call', target: 'db/update', params: { arguments: args } });
  for (const [cond, args] of [
    ['{ force: true }', { force: 'true' }],
    ['{ force: true }', { force: 1 }],
    ['{ force: true }', { force: ['true'] }],
    ['{ level: [3, 4] }', { level: '3' }],
    ['{ level: [3, 4] }', { level: [5, '4'] }],
    ['{ level: [3, 4] }', { level: true }],
    ['{ owner: null }', { owner: 'null' }],
  ] as const) {
    test(`type confusion: deny params ${cond} covers ${JSON.stringify(args)} (a server may read it as the denied value; it was allowed)`, () => {
      assert.equal(evaluate(deny(cond), call(args)).effect, 'deny');
    });
  }
  test('type confusion: values of the named type that differ are still not denied; grants are unchanged', () => {
    assert.equal(evaluate(deny('{ force: true }'), call({ force: false })).effect, 'allow');
    assert.equal(evaluate(deny('{ level: [3, 4] }'), call({ level: 5 })).effect, 'allow');
    assert.equal(evaluate(deny("{ mode: ['fast*'] }"), call({ mode: 'slow' })).effect, 'allow');
    const grant = compile("capabilities:\n  - action: mcp.call\n    resource: 'db/*'\n    constraint:\n      params: { force: false }\n");
    assert.equal(evaluate(grant, call({ force: false })).effect, 'allow');
    assert.equal(evaluate(grant, call({ force: 'false' })).effect, 'deny');
  });
});

describe('redteam11: an ask rule that names a host is not dodged by a port', () => {
  const policy = compile(
    "capabilities:\n  - action: net.http\n    resource: 'https://*/**'\nask:\n  - id: ask-payments\n    action: net.http\n    resource: 'https://payments.example/**'\n",
  );
  test('ask-by-host: https://payments.example:8443/charge → ask (it was allowed without approval)', () => {
    const d = evaluate(policy, http('https://payments.example:8443/charge', 'POST'));
    assert.deepEqual([d.effect, d.ruleId], ['ask', 'ask-payments']);
  });
  test('ask-by-host: the ask does not grant another port no capability allows', () => {
    const only = compile("ask:\n  - id: ask-payments\n    action: net.http\n    resource: 'https://payments.example/**'\n");
    assert.equal(evaluate(only, http('https://payments.example:8443/charge')).effect, 'deny');
    assert.equal(evaluate(only, http('https://payments.example/charge')).effect, 'ask');
  });
});

describe('redteam11: an ask rule is not dodged by a dot-segment that a capability names', () => {
  const policy = compile(`
capabilities:
  - id: write-github
    action: fs.write
    resource: /workspace/.github/**
  - id: write-src
    action: fs.write
    resource: /workspace/src/**
ask:
  - id: ask-all-writes
    action: fs.write
    resource: /workspace/**
`);
  const write = (target: string) => canonicalizeRequest({ action: 'fs.write', target, params: { content: 'x' } });
  test('ask-dot: /workspace/.github/workflows/ci.yml → ask (it was allowed without approval)', () => {
    const d = evaluate(policy, write('/workspace/.github/workflows/ci.yml'));
    assert.deepEqual([d.effect, d.ruleId], ['ask', 'ask-all-writes']);
  });
  test('ask-dot: as a grant the ask still reaches no dot-file it does not name', () => {
    assert.equal(evaluate(policy, write('/workspace/src/.env')).effect, 'deny');
    assert.equal(evaluate(policy, write('/workspace/.env')).effect, 'deny');
    assert.equal(evaluate(policy, write('/workspace/src/a.ts')).effect, 'ask');
  });
});

describe('redteam11: a restriction on a subcommand is not dodged by global options before it', () => {
  const GIT = `
capabilities:
  - id: git-any
    action: proc.exec
    resource: git
    constraint: { cwd: /workspace/** }
ask:
  - id: ask-push
    action: proc.exec
    resource: git
    constraint: { args: [push, '**'], cwd: /workspace/** }
deny:
  - id: no-force-push
    action: proc.exec
    resource: git
    constraint: { args: [push, '--force', '**'] }
`;
  const policy = compile(GIT);
  const git = (...args: string[]) => canonicalizeRequest({ action: 'proc.exec', target: 'git', params: { args, cwd: '/workspace' } });
  for (const args of [
    ['--no-pager', 'push', 'origin'],
    ['-P', 'push'],
    ['-C', 'sub', 'push'],
    ['-c', 'x=y', 'push'],
  ]) {
    test(`global options: git ${args.join(' ')} → ask (a capability for git allowed it without approval; git-guard lets --no-pager/-P through)`, () => {
      assert.equal(evaluate(policy, git(...args)).effect, 'ask');
    });
  }
  test('global options: git --no-pager push --force → deny (the deny on push --force was dodged too)', () => {
    assert.deepEqual([evaluate(policy, git('--no-pager', 'push', '--force')).effect, evaluate(policy, git('push', '--force')).effect], ['deny', 'deny']);
  });
  test('global options: a subcommand word later in the arguments is not taken for the subcommand', () => {
    assert.equal(evaluate(policy, git('commit', '-m', 'push')).effect, 'allow');
    // Fail closed: whether --no-pager takes a value (log) only git knows, so this one asks.
    assert.equal(evaluate(policy, git('--no-pager', 'log', 'push')).effect, 'ask');
    assert.equal(evaluate(policy, git('status')).effect, 'allow');
  });
});
