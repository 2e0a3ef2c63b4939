import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import micromatch from 'micromatch';
import { compileGlob, matchGlob } from '../../src/policy/glob';
import { compilePolicy, ruleById } from '../../src/policy/compile';
import { hasErrorCode } from '../../src/errors';
import { policyDoc } from './helpers/doc';

describe('compileGlob', () => {
  // [pattern, text, grant (dot: false), deny (dot: true)]
  const table: [string, string, boolean, boolean][] = [
    ['/workspace/*', '/workspace/a', true, true],
    ['/workspace/*', '/workspace/a/b', false, false], // * never crosses /
    ['/workspace/**', '/workspace/a/b/c', true, true], // ** spans segments
    ['/workspace/**', '/workspace', true, true], // the tree includes its root
    ['/workspace/**', '/workspace-evil/x', false, false], // prefix confusion
    ['/workspace/**', '/workspaces', false, false],
    ['/workspace/**', '/WORKSPACE/a', false, false], // case-sensitive
    ['/workspace/**', '/workspace/.git/config', false, true], // dot-segments only for denies
    ['/workspace/**', '/workspace/.git/hooks/pre-commit', false, true],
    ['/workspace/**', '/workspace/src/.env', false, true],
    ['/workspace/*', '/workspace/.env', false, true],
    ['/workspace/.git/**', '/workspace/.git/hooks/x', true, true], // named dot-segment
    ['/workspace/.git/**', '/workspace/.git', true, true],
    ['/workspace/**/*.ts', '/workspace/a/b.ts', true, true],
    ['/workspace/**/*.ts', '/workspace/b.ts', true, true],
    ['/workspace/{a,b}/**', '/workspace/b/x', true, true],
    ['/workspace/a.txt', '/workspace/a.txt', true, true],
    ['/workspace/a.txt', '/workspace/a.txtx', false, false],
    ['https://api.example.com/**', 'https://api.example.com/v1/x', true, true],
    ['https://api.example.com/**', 'https://api.example.com/', true, true],
    ['https://api.example.com/**', 'https://api.example.com.evil.com/', false, false],
    ['https://api.example.com/**', 'https://api.example.com:8443/', false, false],
    ['git', 'git', true, true],
    ['git', '/usr/bin/git', false, false],
    ['/usr/bin/*', '/usr/bin/git', true, true],
  ];
  for (const [pattern, text, grant, deny] of table) {
    test(`compileGlob: ${pattern} vs ${text} → grant ${grant}, deny ${deny}`, () => {
      assert.equal(matchGlob(compileGlob(pattern, false), text), grant, 'dot: false');
      assert.equal(matchGlob(compileGlob(pattern, true), text), deny, 'dot: true');
    });
    test(`compileGlob: ${pattern} vs ${text} → same answer as micromatch.isMatch`, () => {
      assert.equal(matchGlob(compileGlob(pattern, false), text), micromatch.isMatch(text, pattern, { dot: false }));
      assert.equal(matchGlob(compileGlob(pattern, true), text), micromatch.isMatch(text, pattern, { dot: true }));
    });
  }
  test('compileGlob: empty text → never matches', () => {
    assert.equal(matchGlob(compileGlob('**', true), ''), false);
  });
  test('compileGlob: literal pattern → exact fast path; glob → literal base as prefix', () => {
    assert.equal(compileGlob('/workspace/a.txt', false).exact, '/workspace/a.txt');
    const g = compileGlob('/workspace/**', false);
    assert.equal(g.exact, undefined);
    assert.equal(g.prefix, '/workspace');
  });
});

describe('compilePolicy', () => {
  const doc = policyDoc({
    capabilities: [
      ['fs.read', '/workspace/**'],
      ['fs.*', '/tmp/**'],
      ['proc.exec', 'git'],
      ['kv.get', 'users/*'],
    ],
    deny: [['*', '/etc/**']],
    ask: [['net.http', 'https://api.example.com/**']],
  });
  const policy = compilePolicy(doc);

  test('compilePolicy: rules indexed by action → a bucket holds only rules whose action covers it', () => {
    const ids = (action: string) => {
      const b = policy.byAction.get(action);
      assert.ok(b, action);
      return { deny: b.deny.map((r) => r.id), ask: b.ask.map((r) => r.id), allow: b.allow.map((r) => r.id) };
    };
    assert.deepEqual(ids('fs.read'), { deny: ['deny[0]'], ask: [], allow: ['capabilities[0]', 'capabilities[1]'] });
    assert.deepEqual(ids('fs.delete'), { deny: ['deny[0]'], ask: [], allow: ['capabilities[1]'] });
    assert.deepEqual(ids('net.http'), { deny: ['deny[0]'], ask: ['ask[0]'], allow: [] });
    assert.deepEqual(ids('kv.get'), { deny: ['deny[0]'], ask: [], allow: ['capabilities[3]'] });
  });

  test('compilePolicy: ruleById → the rule with its constraint', () => {
    assert.equal(ruleById(policy, 'capabilities[2]')?.rule.resource, 'git');
    assert.equal(ruleById(policy, 'nope'), undefined);
  });

  test('compilePolicy: duplicate rule ids → Policy.CompileFailed', () => {
    const dup = policyDoc({ capabilities: [['fs.read', '/a/**', {}, 'x']], deny: [['fs.read', '/b/**', {}, 'x']] });
    assert.throws(
      () => compilePolicy(dup),
      (err: unknown) => hasErrorCode(err, 'Policy.CompileFailed'),
    );
  });

  test('compilePolicy: URL rule head → canonical form like request targets', () => {
    const p = compilePolicy(
      policyDoc({
        capabilities: [
          ['net.http', 'HTTPS://API.Example.com:443/v1/**'],
          ['net.http', 'http://0x7f.1:8080/**'],
          ['net.http', 'http://[0::1]/**'],
        ],
      }),
    );
    assert.equal(p.rules[0]?.resource.pattern, 'https://api.example.com/v1/**');
    assert.equal(p.rules[1]?.resource.pattern, 'http://127.0.0.1:8080/**');
    assert.equal(p.rules[1]?.ip, '127.0.0.1');
    assert.equal(p.rules[2]?.ip, '[::1]');
    assert.ok(matchGlob(p.rules[2]!.resource, 'http://[::1]/x'), 'IPv6 brackets are literal, not a class');
    assert.equal(p.rules[0]?.ip, undefined);
  });

  test('compilePolicy: URL rule with an invalid literal host → Policy.CompileFailed', () => {
    assert.throws(
      () => compilePolicy(policyDoc({ capabilities: [['net.http', 'https://user@host/**']] })),
      (err: unknown) => hasErrorCode(err, 'Policy.CompileFailed'),
    );
  });
});

describe('compileGlob: equivalence with micromatch', () => {
  // A seeded generator, so a failure names a reproducible case.
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
  const patterns = [
    '/workspace/**',
    '/**',
    '/workspace/.git/**',
    '/workspace/*/out/**',
    '/workspace/**/.env',
    '/workspace/**/*.ts',
    '/workspace/**/a.b',
    'users/*/x',
    'https://api.example.com/**',
    'https://*.example.com/**',
    'users/**',
    '/workspace/a.b/**',
    '/workspace',
    '/workspace/*',
  ];
  const segments = ['workspace', 'a', 'a.b', '.git', '.env', '..', '.', '', 'x.ts', 'https:', 'api.example.com', 'users', 'out', '...'];
  test('compileGlob: 20000 random pattern/target pairs → same answer as micromatch.isMatch (both dot settings)', () => {
    for (let i = 0; i < 20000; i++) {
      const pattern = pick(patterns);
      const parts = Array.from({ length: 1 + rand(5) }, () => pick(segments));
      const text = (rand(4) === 0 ? '' : '/') + parts.join('/') + (rand(8) === 0 ? '/' : '');
      for (const dot of [false, true]) {
        assert.equal(
          matchGlob(compileGlob(pattern, dot), text),
          text !== '' && micromatch.isMatch(text, pattern, { dot }),
          `${pattern} vs ${JSON.stringify(text)} dot=${dot}`,
        );
      }
    }
  });
});
