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
import { evaluateLayered } from '../../src/policy/layered';
import { loadPolicyText } from '../../src/policy/load';
import { validatePolicy } from '../../src/policy/validate';
import { parsePolicy } from '../../src/policy/parse';

const compile = (yaml: string) => compilePolicy(loadPolicyText(yaml, 'p.yaml'));
const problems = (yaml: string) => validatePolicy(parsePolicy(yaml, 'p.yaml')).problems.map((p) => `${p.code}: ${p.message}`);
const http = (target: string, method = 'GET') => canonicalizeRequest({ action: 'net.http', target, params: { method } });

/** The whole API granted (the rules below add denies and asks). */
const THE_API = `
capabilities:
  - id: the-api
    action: net.http
    resource: 'https://api.example.com/**'
`;

const API_BUT_ADMIN = `${THE_API}deny:
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

describe('redteam13b: a URL glob whose path is not written in canonical form is refused, not silently dead', () => {
  // Request paths are canonical (WHATWG-encoded, unreserved escapes decoded, other escapes
  // upper-cased); a rule's path is matched as written, so these deny rules matched nothing.
  for (const [resource, request] of [
    ['https://api.example.com/%7euser/**', 'https://api.example.com/%7euser/x'],
    ['https://api.example.com/%7Euser/**', 'https://api.example.com/~user/x'],
    ['https://api.example.com/%61dmin/**', 'https://api.example.com/admin/x'],
    ['https://api.example.com/caf%c3%a9/**', 'https://api.example.com/café/x'],
    ['https://api.example.com/café/**', 'https://api.example.com/café/x'],
    ['https://api.example.com/a b/**', 'https://api.example.com/a%20b/x'],
    ['https://api.example.com/a"b/**', 'https://api.example.com/a"b/x'],
    ['https://api.example.com/<x>/**', 'https://api.example.com/<x>/y'],
    ['https://api.example.com/a`b', 'https://api.example.com/a`b'],
    ['https://api.example.com/admin#top', 'https://api.example.com/admin#top'],
    ['https://*.example.com/a%2fb/**', 'https://api.example.com/a/b/x'],
  ] as const) {
    test(`glob path: deny ${resource} is a validation problem (it matched nothing: ${request} was allowed)`, () => {
      const yaml = `capabilities:\n  - action: net.http\n    resource: 'https://*/**'\ndeny:\n  - action: net.http\n    resource: '${resource}'\n`;
      const found = problems(yaml);
      if (found.length === 0) assert.fail(`deny ${resource} was accepted, and ${request} → ${evaluate(compile(yaml), http(request)).effect}`);
      assert.match(found.join('\n'), /E_RESOURCE_FORM: .*path/);
    });
  }
  test('glob path: canonical paths still load', () => {
    for (const resource of [
      'https://api.example.com/caf%C3%A9/**',
      'https://api.example.com/a%20b/**',
      'https://api.example.com/~user/**',
      'https://api.example.com/v1/*.json',
      'https://api.example.com/{a,b}/[0-9]?/**',
      'https://api.example.com/100%/x',
      'https://api.example.com/a;b=c/**',
    ]) {
      assert.deepEqual(problems(`deny:\n  - action: net.http\n    resource: '${resource}'\n`), [], resource);
    }
  });
});

describe('redteam13b: a deny or ask on a URL is not dodged by a trailing slash', () => {
  // Express (strict routing off, its default), Spring MVC (before 6) and many routers route
  // /admin/ to the /admin handler: a deny written for the endpoint missed it.
  const policy = compile(`${THE_API}deny:
  - id: no-admin
    action: net.http
    resource: 'https://api.example.com/admin'
  - id: no-delete
    action: net.http
    resource: 'https://api.example.com/v1/users/*/delete'
ask:
  - id: ask-pay
    action: net.http
    resource: 'https://api.example.com/pay'
`);
  for (const [target, rule] of [
    ['https://api.example.com/admin/', 'no-admin'],
    ['https://api.example.com/admin//', 'no-admin'],
    ['https://api.example.com/admin;x/', 'no-admin'],
    ['https://api.example.com:443/admin/', 'no-admin'],
    ['https://api.example.com/v1/users/7/delete/', 'no-delete'],
  ] as const) {
    test(`deny: ${target}`, () => {
      const d = evaluate(policy, http(target, 'DELETE'));
      assert.equal(d.effect, 'deny', d.reason);
      assert.equal(d.ruleId, rule);
    });
  }
  test('ask: https://api.example.com/pay/', () => {
    const d = evaluate(policy, http('https://api.example.com/pay/', 'POST'));
    assert.equal(d.effect, 'ask', d.reason);
  });
  test('the root and other paths are unaffected; a grant of /x does not grant /x/', () => {
    assert.equal(evaluate(policy, http('https://api.example.com/')).effect, 'allow');
    assert.equal(evaluate(policy, http('https://api.example.com/admins/')).effect, 'allow');
    const p = compile("capabilities:\n  - action: net.http\n    resource: 'https://api.example.com/x'\n");
    assert.equal(evaluate(p, http('https://api.example.com/x/')).effect, 'deny');
  });
});

/** A grant of recursive deletes anywhere in the workspace (the two describes below add their rules). */
const TIDY = `
capabilities:
  - id: tidy
    action: fs.delete
    resource: /workspace/**
    constraint: { recursive: true }
`;

describe('redteam13b: a recursive fs.delete carries the deny rules that protect something below it', () => {
  // Deleting /workspace/data recursively deletes /workspace/data/keep/x; the deny on
  // /workspace/data/keep/** was judged only against the folder named, and the grant did not
  // tell the provider, which removed the tree. Now the grant names those denies
  // (protected_below) and the provider refuses such a tree (test/providers/filesystem-redteam).
  const policy = compile(`${TIDY}deny:
  - id: keep
    action: fs.*
    resource: /workspace/data/keep/**
  - id: keep-db
    action: fs.delete
    resource: /workspace/data/important.db
  - id: no-git
    action: fs.*
    resource: /workspace/**/.git/**
  - id: no-keys
    action: fs.delete
    resource: /workspace/{certs,backup/certs}/*.key
  - id: not-reads
    action: fs.read
    resource: /workspace/logs/**
`);
  const del = (target: string, recursive = true) => evaluate(policy, canonicalizeRequest({ action: 'fs.delete', target, params: { recursive } }));
  const GIT = '/workspace/**/.git/**';
  for (const [target, below] of [
    ['/workspace/data', ['/workspace/data/keep/**', '/workspace/data/important.db', GIT]],
    ['/workspace', ['/workspace/data/keep/**', '/workspace/data/important.db', GIT, '/workspace/{certs,backup/certs}/*.key']],
    ['/workspace/proj', [GIT]],
    ['/workspace/logs', [GIT]],
    ['/workspace/certs', [GIT, '/workspace/{certs,backup/certs}/*.key']],
    ['/workspace/backup', [GIT, '/workspace/{certs,backup/certs}/*.key']],
    ['/workspace/backup/old', [GIT]],
  ] as const) {
    test(`recursive delete of ${target} → allowed, protecting ${below.join(' ')}`, () => {
      const d = del(target);
      assert.equal(d.effect, 'allow', d.reason);
      assert.deepEqual(d.constraint?.protected_below, below);
    });
  }
  test('the folder itself is still judged as before; a plain delete carries nothing', () => {
    assert.equal(del('/workspace/data/keep').ruleId, 'keep');
    assert.equal(del('/workspace/data', false).constraint?.protected_below, undefined);
    const plain = compile('capabilities:\n  - action: fs.delete\n    resource: /workspace/**\n    constraint: { recursive: true }\n');
    assert.equal(
      evaluate(plain, canonicalizeRequest({ action: 'fs.delete', target: '/workspace/a', params: { recursive: true } })).constraint?.protected_below,
      undefined,
    );
  });
  test("layered: every layer's protected globs are carried", () => {
    const run = compile(
      'capabilities:\n  - action: fs.delete\n    resource: /workspace/**\n    constraint: { recursive: true }\ndeny:\n  - action: fs.delete\n    resource: /workspace/data/run-keep\n',
    );
    const d = evaluateLayered([policy, run], canonicalizeRequest({ action: 'fs.delete', target: '/workspace/data', params: { recursive: true } }));
    assert.equal(d.effect, 'allow', d.reason);
    assert.deepEqual(d.constraint?.protected_below, ['/workspace/data/keep/**', '/workspace/data/important.db', GIT, '/workspace/data/run-keep']);
  });
});

describe('redteam13b: a URL glob with a query string is refused, not silently wrong', () => {
  // Queries are not part of the judged target; in a glob `?` is a one-character wildcard. So
  // a deny of …/delete?force=true matched only paths like /deleteXforce=true, never the query.
  for (const resource of [
    'https://api.example.com/v1/delete?force=true',
    'https://api.example.com/v1/items?id=*',
    'https://api.example.com/search?q=a&page=*',
  ]) {
    test(`deny ${resource} is a validation problem`, () => {
      const yaml = `capabilities:\n  - action: net.http\n    resource: 'https://*/**'\ndeny:\n  - action: net.http\n    resource: '${resource}'\n`;
      assert.match(problems(yaml).join('\n'), /E_RESOURCE_FORM: .*query/);
    });
  }
  test('`?` as a wildcard still loads', () => {
    for (const resource of ['https://api.example.com/v?/**', 'https://api.example.com/file-??.json', 'https://api.example.com/a?b/c=d']) {
      assert.deepEqual(problems(`deny:\n  - action: net.http\n    resource: '${resource}'\n`), [], resource);
    }
  });
});

describe('redteam13b: a recursive fs.delete carries the ask rules that cover something below it', () => {
  // An ask on /workspace/**/.env (or a folder) was not consulted when a recursive delete of
  // a folder above it was allowed: the tree, .env included, went without approval.
  const policy = compile(`${TIDY}ask:
  - id: ask-env
    action: fs.delete
    resource: /workspace/**/.env
  - id: ask-releases
    action: fs.delete
    resource: /workspace/releases/**
    constraint: { recursive: true }
`);
  const del = (target: string) => evaluate(policy, canonicalizeRequest({ action: 'fs.delete', target, params: { recursive: true } }));
  test('allowed above the asked paths → the ask globs are protected below', () => {
    const d = del('/workspace');
    assert.equal(d.effect, 'allow', d.reason);
    assert.deepEqual(d.constraint?.protected_below, ['/workspace/**/.env', '/workspace/releases/**']);
    assert.deepEqual(del('/workspace/app').constraint?.protected_below, ['/workspace/**/.env']);
  });
  test('an ask that covers the target itself is the approval of its tree, not a protection', () => {
    const d = del('/workspace/releases/v1');
    assert.equal(d.effect, 'ask', d.reason);
    assert.deepEqual(d.constraint?.protected_below, ['/workspace/**/.env']);
  });
});
