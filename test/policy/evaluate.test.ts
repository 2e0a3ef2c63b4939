import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { canonicalizeRequest } from '../../src/policy/canonical';
import type { CanonicalRequest } from '../../src/policy/types';
import { policyDoc, type DocSpec } from './helpers/doc';
import { fakeRealpath } from './helpers/fake-fs';

const quickstart: DocSpec = {
  capabilities: [
    ['fs.read', '/workspace/**'],
    ['fs.write', '/workspace/output/**'],
    ['proc.exec', 'git'],
    ['net.http', 'https://api.example.com/**', { method: ['GET'] }],
  ],
};
const policy = compilePolicy(policyDoc(quickstart));
const links = fakeRealpath({ '/workspace/output/out': '/etc', '/workspace/output/pw': '/etc/passwd', '/workspace/output/git': '/workspace/.git' });

function decide(action: string, target: string, params?: Record<string, unknown>, p = policy) {
  return evaluate(p, canonicalizeRequest({ action, target, ...(params === undefined ? {} : { params }) }, { realpathOfExisting: links }));
}

describe('evaluate: the quickstart policy', () => {
  // [action, target, params, effect, canonical target judged]
  const table: [string, string, Record<string, unknown> | undefined, string, string][] = [
    ['fs.read', '/workspace/data.csv', undefined, 'allow', '/workspace/data.csv'],
    ['fs.write', '/etc/passwd', { content: 'hacked' }, 'deny', '/etc/passwd'],
    ['fs.read', '/workspace/../etc/passwd', undefined, 'deny', '/etc/passwd'], // traversal
    ['fs.write', '/workspace/output/../../etc/passwd', undefined, 'deny', '/etc/passwd'],
    ['fs.write', '/workspace/output/out/passwd', undefined, 'deny', '/etc/passwd'], // directory symlink escape
    ['fs.write', '/workspace/output/pw', undefined, 'deny', '/etc/passwd'], // file symlink escape
    ['fs.write', '/workspace/output/git/hooks/pre-commit', undefined, 'deny', '/workspace/.git/hooks/pre-commit'],
    ['fs.read', '/workspace-evil/x', undefined, 'deny', '/workspace-evil/x'], // prefix confusion
    ['fs.read', '/workspace/.env', undefined, 'deny', '/workspace/.env'], // dotfile protection
    ['fs.write', '/workspace/output/.git/config', undefined, 'deny', '/workspace/output/.git/config'],
    ['fs.write', '/workspace/output/.git/hooks/post-checkout', undefined, 'deny', '/workspace/output/.git/hooks/post-checkout'],
    ['fs.read', '/Workspace/data.csv', undefined, 'deny', '/Workspace/data.csv'], // case
    ['fs.write', '/workspace/output', undefined, 'allow', '/workspace/output'], // /x/** covers /x
    ['proc.exec', 'git', { args: ['status'] }, 'allow', 'git'],
    ['proc.exec', '/usr/bin/git', undefined, 'deny', '/usr/bin/git'], // a path ending in /git is not git
    ['net.http', 'https://api.example.com/v1/items', undefined, 'allow', 'https://api.example.com/v1/items'],
    ['net.http', 'HTTPS://API.EXAMPLE.COM/v1', undefined, 'allow', 'https://api.example.com/v1'],
    ['net.http', 'https://api.example.com/v1', { method: 'POST' }, 'deny', 'https://api.example.com/v1'],
    ['net.http', 'https://api.example.com.evil.com/', undefined, 'deny', 'https://api.example.com.evil.com/'], // suffix host
    ['net.http', 'https://api.example.com#@evil.com/', undefined, 'allow', 'https://api.example.com/'], // the fragment never leaves the client
    ['net.http', 'https://evil.com/?https://api.example.com/', undefined, 'deny', 'https://evil.com/'], // query smuggling
    ['net.http', 'https://api.example.com:8443/', undefined, 'deny', 'https://api.example.com:8443/'],
    ['net.http', 'http://api.example.com/', undefined, 'deny', 'http://api.example.com/'],
  ];
  for (const [action, target, params, effect, judged] of table) {
    test(`evaluate: ${action} ${target} → ${effect} (judged ${judged})`, () => {
      const d = decide(action, target, params);
      assert.equal(d.effect, effect, d.reason);
      assert.equal(d.target, judged);
    });
  }

  test('evaluate: default deny → reason names action and canonical target, no rule id', () => {
    const d = decide('fs.write', '/etc/passwd');
    assert.equal(d.reason, 'no capability allows fs.write on /etc/passwd');
    assert.equal(d.ruleId, undefined);
  });
  test('evaluate: allow → rule id, reason and constraint of the deciding rule', () => {
    const d = decide('net.http', 'https://api.example.com/x');
    assert.equal(d.ruleId, 'capabilities[3]');
    assert.equal(d.reason, 'allowed by rule capabilities[3]: net.http on https://api.example.com/x');
    assert.deepEqual(d.constraint, { method: ['GET'] });
  });
  test('evaluate: constraint near miss → the default deny says which rule almost matched and why', () => {
    const d = decide('net.http', 'https://api.example.com/x', { method: 'DELETE' });
    assert.match(
      d.reason,
      /^no capability allows net\.http on https:\/\/api\.example\.com\/x \(rule capabilities\[3\] matches the target, but method DELETE is not one of GET\)$/,
    );
  });
});

describe('evaluate: order-free effects', () => {
  const spec: DocSpec = {
    capabilities: [
      ['fs.*', '/workspace/**', {}, 'ws'],
      ['proc.exec', 'git', {}, 'git'],
    ],
    deny: [
      ['fs.*', '/workspace/.env', {}, 'deny-secrets'],
      ['fs.*', '/workspace/.git/**', {}, 'deny-git'],
    ],
    ask: [['proc.exec', 'git', { args: ['push', '**'] }, 'ask-deploy']],
  };
  const p = compilePolicy(policyDoc(spec));
  const reversed = compilePolicy(
    policyDoc({ capabilities: [...(spec.capabilities ?? [])].reverse(), deny: [...(spec.deny ?? [])].reverse(), ask: spec.ask ?? [] }),
  );

  test('evaluate: deny rule matches while a capability also matches → deny, with the deny rule named', () => {
    const d = decide('fs.read', '/workspace/.env', undefined, p);
    assert.deepEqual([d.effect, d.ruleId, d.reason], ['deny', 'deny-secrets', 'denied by rule deny-secrets: fs.read on /workspace/.env']);
  });
  test('evaluate: deny on a dot-directory tree → covers the directory itself (fs.delete .git)', () => {
    assert.equal(decide('fs.delete', '/workspace/.git', { recursive: true }, p).ruleId, 'deny-git');
  });
  test('evaluate: ask and capability both match → ask', () => {
    const d = decide('proc.exec', 'git', { args: ['push', 'origin', 'main'] }, p);
    assert.deepEqual([d.effect, d.reason], ['ask', 'requires approval (rule ask-deploy): proc.exec on git']);
  });
  test('evaluate: ask constraint not met → falls through to the capability', () => {
    assert.equal(decide('proc.exec', 'git', { args: ['status'] }, p).effect, 'allow');
  });
  test('evaluate: rules in reverse order → same effects', () => {
    const cases: [string, string, Record<string, unknown>?][] = [
      ['fs.read', '/workspace/.env'],
      ['fs.read', '/workspace/a'],
      ['proc.exec', 'git', { args: ['push'] }],
      ['fs.write', '/workspace/.git/config'],
    ];
    for (const [action, target, params] of cases)
      assert.equal(decide(action, target, params, reversed).effect, decide(action, target, params, p).effect, `${action} ${target}`);
  });
});

describe('evaluate: raw IP hosts', () => {
  const p = compilePolicy(
    policyDoc({
      capabilities: [
        ['net.http', 'https://*/**', {}, 'any-host'],
        ['net.http', 'http://127.0.0.1:8080/**', {}, 'local-ip'],
        ['net.http', 'http://[::1]:9000/**', {}, 'v6'],
      ],
    }),
  );
  const table: [string, string, string | undefined][] = [
    ['https://example.org/x', 'allow', 'any-host'],
    ['https://10.0.0.1/x', 'deny', undefined], // a wildcard host never grants an IP
    ['https://169.254.169.254/latest/meta-data', 'deny', undefined],
    ['http://127.0.0.1:8080/x', 'allow', 'local-ip'],
    ['http://2130706433:8080/x', 'allow', 'local-ip'], // decimal spelling of the named IP
    ['http://0x7f.1:8080/x', 'allow', 'local-ip'],
    ['http://[::ffff:127.0.0.1]:8080/x', 'allow', 'local-ip'],
    ['http://127.0.0.1:8081/x', 'deny', undefined],
    ['http://[::1]:9000/', 'allow', 'v6'],
    ['https://[::1]/', 'deny', undefined],
  ];
  for (const [url, effect, ruleId] of table) {
    test(`evaluate: net.http ${url} → ${effect}`, () => {
      const d = decide('net.http', url, undefined, p);
      assert.deepEqual([d.effect, d.ruleId], [effect, ruleId], d.reason);
    });
  }
  test('evaluate: raw IP denied → reason says only a rule naming the IP can grant it', () => {
    assert.match(decide('net.http', 'https://10.0.0.1/', undefined, p).reason, /10\.0\.0\.1 is a raw IP host/);
  });
});

describe('evaluate: proc.exec arguments', () => {
  const p = compilePolicy(
    policyDoc({
      capabilities: [
        ['proc.exec', 'git', { args: ['fetch', '**'], deny_args: ['--upload-pack', '--config=*', '-c'] }, 'git-fetch'],
        ['proc.exec', 'ls', { args: ['-la', '/workspace/**'] }, 'ls'],
      ],
    }),
  );
  const table: [string, string[], string][] = [
    ['git', ['fetch'], 'allow'],
    ['git', ['fetch', 'origin', 'main'], 'allow'],
    ['git', ['push'], 'deny'], // positional: first must be fetch
    ['git', [], 'deny'],
    ['git', ['fetch', '--upload-pack', 'touch /tmp/pwned'], 'deny'],
    ['git', ['fetch', '--upload-pack=touch /tmp/pwned'], 'deny'], // --flag=value
    ['git', ['fetch', '--upload-pac=sh'], 'deny'], // abbreviated long option
    ['git', ['fetch', '--upload-pac', 'sh'], 'deny'],
    ['git', ['fetch', '--u', 'sh'], 'deny'], // one character is enough for getopt_long
    ['git', ['fetch', '--config=core.sshCommand=sh'], 'deny'],
    ['git', ['fetch', '--conf', 'x'], 'deny'], // prefix of a denied glob's literal head
    ['git', ['fetch', '-c', 'core.pager=sh'], 'deny'],
    ['git', ['fetch', '--', 'origin'], 'allow'], // "--" is not an option prefix
    ['git', ['fetch', '--depth=1'], 'allow'],
    ['ls', ['-la', '/workspace/src'], 'allow'],
    ['ls', ['-la', '/workspace/../etc'], 'deny'],
    ['ls', ['-la', '/workspace/.git'], 'deny'],
    ['ls', ['-la', '/workspace', 'x'], 'deny'], // exactly as many arguments as globs
    ['ls', ['-la'], 'deny'],
  ];
  for (const [program, args, effect] of table) {
    test(`evaluate: ${program} ${JSON.stringify(args)} → ${effect}`, () => {
      assert.equal(decide('proc.exec', program, { args }, p).effect, effect);
    });
  }
  test('evaluate: args that are not strings → deny (malformed never satisfies a grant)', () => {
    assert.equal(evaluate(p, { action: 'proc.exec', target: 'git', params: { args: ['fetch', 1] } }).effect, 'deny');
  });
  test('evaluate: denied argument → reason names the argument', () => {
    assert.match(decide('proc.exec', 'git', { args: ['fetch', '--upload-pac=sh'] }, p).reason, /argument "--upload-pac=sh" is covered by deny_args/);
  });
});

describe('evaluate: caps and other constraints', () => {
  const p = compilePolicy(
    policyDoc({
      capabilities: [
        ['fs.write', '/workspace/**', { max_bytes: 10 }, 'small-writes'],
        ['fs.delete', '/workspace/**', {}, 'delete-files'],
        ['proc.exec', 'make', { cwd: '/workspace/**', env: ['CC'], timeout_ms: 1000 }, 'make'],
      ],
      deny: [['net.http', 'https://api.example.com/**', { method: ['DELETE'] }, 'no-delete']],
    }),
  );
  const run = (action: string, target: string, params: Record<string, unknown>) => evaluate(p, { action, target, params }).effect;
  test('evaluate: write within max_bytes → allow; over → deny; unstated → allow (provider caps)', () => {
    assert.equal(run('fs.write', '/workspace/a', { content: '0123456789' }), 'allow');
    assert.equal(run('fs.write', '/workspace/a', { content: 'ééééééé' }), 'deny'); // 14 UTF-8 bytes
    assert.equal(run('fs.write', '/workspace/a', { bytes: 11 }), 'deny');
    assert.equal(run('fs.write', '/workspace/a', {}), 'allow');
    assert.equal(run('fs.write', '/workspace/a', { bytes: '5' }), 'deny'); // malformed never satisfies a grant
  });
  test('evaluate: recursive delete without recursive: true → deny', () => {
    assert.equal(run('fs.delete', '/workspace/a', {}), 'allow');
    assert.equal(run('fs.delete', '/workspace/a', { recursive: true }), 'deny');
    assert.equal(run('fs.delete', '/workspace/a', { recursive: 'yes' }), 'deny');
    assert.match(evaluate(p, { action: 'fs.delete', target: '/workspace/a', params: { recursive: true } }).reason, /does not allow a recursive delete/);
    const tree = compilePolicy(policyDoc({ capabilities: [['fs.delete', '/workspace/**', { recursive: true }]] }));
    assert.equal(evaluate(tree, { action: 'fs.delete', target: '/workspace/a', params: { recursive: true } }).effect, 'allow');
  });
  test('evaluate: cwd, env names and timeout → each must be within the rule', () => {
    const ok = { cwd: '/workspace/app', env: { CC: 'gcc' }, timeout_ms: 500 };
    assert.equal(run('proc.exec', 'make', ok), 'allow');
    assert.equal(run('proc.exec', 'make', { ...ok, cwd: '/tmp' }), 'deny');
    assert.equal(run('proc.exec', 'make', { env: {}, timeout_ms: 1 }), 'deny'); // cwd required by the rule
    assert.equal(run('proc.exec', 'make', { ...ok, env: { CC: 'gcc', LD_PRELOAD: '/x.so' } }), 'deny');
    assert.equal(run('proc.exec', 'make', { ...ok, env: ['CC'] }), 'allow');
    assert.equal(run('proc.exec', 'make', { ...ok, timeout_ms: 5000 }), 'deny');
  });
  test('evaluate: deny rule with a method constraint → denies only that method, and a malformed method', () => {
    const deny = compilePolicy(
      policyDoc({ capabilities: [['net.http', 'https://api.example.com/**']], deny: [['net.http', 'https://api.example.com/**', { method: ['DELETE'] }]] }),
    );
    const effect = (method: unknown) => evaluate(deny, { action: 'net.http', target: 'https://api.example.com/x', params: { method } }).effect;
    assert.equal(effect('GET'), 'allow');
    assert.equal(effect('DELETE'), 'deny');
    assert.equal(effect(42), 'deny');
  });
});

describe('evaluate: hostile input', () => {
  const hostile: [string, unknown][] = [
    ['raw traversal', { action: 'fs.read', target: '/workspace/../etc/passwd', params: {} }],
    ['relative path', { action: 'fs.read', target: 'workspace/a', params: {} }],
    ['trailing slash', { action: 'fs.read', target: '/workspace/a/', params: {} }],
    ['NUL', { action: 'fs.read', target: '/workspace/a\u0000', params: {} }],
    ['non-string target', { action: 'fs.read', target: 42, params: {} }],
    ['missing params', { action: 'fs.read', target: '/workspace/a' }],
    ['null', null],
    [
      'getter that throws',
      {
        action: 'fs.read',
        get target(): string {
          throw new Error('boom');
        },
        params: {},
      },
    ],
  ];
  for (const [what, request] of hostile) {
    test(`evaluate: ${what} → deny, never a throw`, () => {
      const d = evaluate(policy, request as CanonicalRequest);
      assert.equal(d.effect, 'deny');
      assert.equal(typeof d.reason, 'string');
    });
  }
  test('evaluate: unknown action → default deny', () => {
    assert.equal(evaluate(policy, { action: 'fs.chmod', target: '/workspace/a', params: {} }).reason, 'no capability allows fs.chmod on /workspace/a');
  });
});
