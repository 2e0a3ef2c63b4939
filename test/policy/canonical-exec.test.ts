import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalProgram } from '../../src/policy/canonical-exec';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { hasErrorCode } from '../../src/errors';
import { fakeRealpath } from './helpers/fake-fs';

const invalid = (code: string) => (err: unknown) => hasErrorCode(err, code);

describe('canonicalProgram', () => {
  const ok: [string, string][] = [
    ['git', 'git'],
    ['/usr/bin/git', '/usr/bin/git'],
    ['/usr/bin/../bin/git', '/usr/bin/git'],
    ['//usr/bin//git', '/usr/bin/git'],
  ];
  for (const [input, expected] of ok) {
    test(`canonicalProgram: ${input} → ${expected}`, () => assert.equal(canonicalProgram(input), expected));
  }
  const rejected: [string, string][] = [
    ['dot-slash', './git'],
    ['relative path ending in /git', 'tools/git'],
    ['parent-relative', '../bin/git'],
    ['backslash', 'bin\\git'],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['surrounding space', 'git '],
    ['NUL', 'git\u0000'],
    ['empty', ''],
  ];
  for (const [what, input] of rejected) {
    test(`canonicalProgram: ${what} → Policy.InvalidTarget`, () => {
      assert.throws(() => canonicalProgram(input), invalid('Policy.InvalidTarget'));
    });
  }
  test('canonicalProgram: absolute symlink → the binary that really runs', () => {
    assert.equal(canonicalProgram('/workspace/git', fakeRealpath({ '/workspace/git': '/bin/busybox' })), '/bin/busybox');
  });
});

describe('canonicalizeRequest', () => {
  test('canonicalizeRequest: fs.* → canonical path', () => {
    assert.deepEqual(canonicalizeRequest({ action: 'fs.read', target: '/workspace/../etc/passwd' }), {
      action: 'fs.read',
      target: '/etc/passwd',
      params: {},
    });
  });
  test('canonicalizeRequest: fs.* with symlinks → resolved through realpathOfExisting', () => {
    const r = canonicalizeRequest({ action: 'fs.write', target: '/workspace/out/x' }, { realpathOfExisting: fakeRealpath({ '/workspace/out': '/etc' }) });
    assert.equal(r.target, '/etc/x');
  });
  test('canonicalizeRequest: relative fs path with a base → resolved; escaping → rejected', () => {
    assert.equal(canonicalizeRequest({ action: 'fs.read', target: 'src/a.ts' }, { base: '/workspace' }).target, '/workspace/src/a.ts');
    assert.throws(() => canonicalizeRequest({ action: 'fs.read', target: '../etc/passwd' }, { base: '/workspace' }), invalid('Policy.InvalidTarget'));
    assert.throws(() => canonicalizeRequest({ action: 'fs.read', target: 'src/a.ts' }), invalid('Policy.InvalidTarget'));
  });
  test('canonicalizeRequest: net.http → canonical URL, method upper-cased, GET by default', () => {
    const r = canonicalizeRequest({ action: 'net.http', target: 'HTTPS://API.example.com:443/x?y', params: { method: 'post', body: 'b' } });
    assert.deepEqual(r, { action: 'net.http', target: 'https://api.example.com/x', params: { method: 'POST', body: 'b' } });
    assert.equal(canonicalizeRequest({ action: 'net.http', target: 'https://a.com/' }).params['method'], 'GET');
  });
  test('canonicalizeRequest: net.http method that is not a token → Policy.InvalidParams', () => {
    assert.throws(
      () => canonicalizeRequest({ action: 'net.http', target: 'https://a.com/', params: { method: 'GET /admin' } }),
      invalid('Policy.InvalidParams'),
    );
    assert.throws(() => canonicalizeRequest({ action: 'net.http', target: 'https://a.com/', params: { method: 7 } }), invalid('Policy.InvalidParams'));
  });
  test('canonicalizeRequest: proc.exec → program checked, cwd canonical, args must be strings', () => {
    const r = canonicalizeRequest({ action: 'proc.exec', target: 'git', params: { args: ['status'], cwd: '/workspace/a/..' } });
    assert.deepEqual(r.params, { args: ['status'], cwd: '/workspace' });
    assert.throws(() => canonicalizeRequest({ action: 'proc.exec', target: './git' }), invalid('Policy.InvalidTarget'));
    assert.throws(() => canonicalizeRequest({ action: 'proc.exec', target: 'git', params: { args: 'status' } }), invalid('Policy.InvalidParams'));
    assert.throws(() => canonicalizeRequest({ action: 'proc.exec', target: 'git', params: { args: ['a\u0000'] } }), invalid('Policy.InvalidParams'));
  });
  test('canonicalizeRequest: custom action → target verbatim, control characters rejected', () => {
    assert.equal(canonicalizeRequest({ action: 'kv.get', target: 'Users/../Key' }).target, 'Users/../Key');
    assert.throws(() => canonicalizeRequest({ action: 'kv.get', target: 'a\u0000b' }), invalid('Policy.InvalidTarget'));
    assert.throws(() => canonicalizeRequest({ action: 'kv.get', target: 'a\rb' }), invalid('Policy.InvalidTarget'));
  });
  test("canonicalizeRequest: the caller's params object → not mutated", () => {
    const params = { method: 'get' };
    canonicalizeRequest({ action: 'net.http', target: 'https://a.com/', params });
    assert.equal(params.method, 'get');
  });
});
