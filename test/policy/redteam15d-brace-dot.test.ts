/**
 * Red team 15d: a grant's brace group does not reach dot-files. The reference says grants "do
 * not match dot-files unless they name them"; micromatch compiles `{a,b}` to a regex group in
 * which `*` and `?` lose their dot guard, so `/workspace/{*.md,*.txt}` granted
 * `/workspace/.secret.md` and `/workspace/{*,docs}/x` granted `/workspace/.git/x` (the same glob
 * without braces, `*.md`, did not). And a glob of many groups (`{a,b}` thirty times) was accepted:
 * a recursive delete expanded every alternative (2^30) under the deny rules.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { compileGlob, matchGlob } from '../../src/policy/glob';
import { loadPolicyText } from '../../src/policy/load';
import { parsePolicy } from '../../src/policy/parse';
import { validatePolicy } from '../../src/policy/validate';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

const compile = (yaml: string) => compilePolicy(loadPolicyText(yaml, 'p.yaml', { extraActions: ['kv.put'] }));
const problems = (yaml: string) => validatePolicy(parsePolicy(yaml, 'p.yaml')).problems.map((p) => p.code);
const judge = (yaml: string, action: string, target: string, params: Record<string, unknown> = {}) =>
  evaluate(compile(yaml), canonicalizeRequest({ action, target, params }));

const grant = (action: string, resource: string, constraint = '') => `
capabilities:
  - id: g
    action: ${action}
    resource: '${resource}'${constraint === '' ? '' : `\n    constraint: ${constraint}`}
`;

describe('redteam15d: a grant’s brace group does not reach dot-files it does not name', () => {
  for (const [resource, dotted, plain] of [
    ['/workspace/{*.md,*.txt}', '/workspace/.secret.md', '/workspace/notes.md'],
    ['/workspace/**/{*.yaml,*.yml}', '/workspace/app/.secrets.yaml', '/workspace/app/config.yaml'],
    ['/workspace/{*,docs}/README.md', '/workspace/.git/README.md', '/workspace/src/README.md'],
    ['/workspace/{?env,x}', '/workspace/.env', '/workspace/xenv'],
    ['/workspace/{src,*}/**', '/workspace/.github/ci.yml', '/workspace/lib/a.ts'],
  ] as const) {
    test(`fs.read ${resource}: ${dotted} → deny, ${plain} → allow`, () => {
      const yaml = grant('fs.read', resource);
      assert.equal(judge(yaml, 'fs.read', dotted).effect, 'deny', `granted ${dotted}`);
      assert.equal(judge(yaml, 'fs.read', plain).effect, 'allow');
    });
  }

  test('a brace group that spells the dot still grants it', () => {
    assert.equal(judge(grant('fs.read', '/workspace/{.env,*.md}'), 'fs.read', '/workspace/.env').effect, 'allow');
    assert.equal(judge(grant('fs.read', '/workspace/{.env,*.md}'), 'fs.read', '/workspace/.x.md').effect, 'deny');
  });

  test('an escaped IPv6 host keeps its brackets literal in every alternative', () => {
    const g = compileGlob('https://\\[::1\\]:8080/{a,b}/*', false);
    assert.equal(matchGlob(g, 'https://[::1]:8080/a/x'), true);
    assert.equal(matchGlob(g, 'https://1:8080/a/x'), false);
  });

  test('cwd, args and params globs with brace groups do not reach dot-segments either', () => {
    const cwd = grant('proc.exec', 'make', '{ cwd: "/workspace/{*,x}" }');
    assert.equal(judge(cwd, 'proc.exec', 'make', { cwd: '/workspace/.git' }).effect, 'deny');
    assert.equal(judge(cwd, 'proc.exec', 'make', { cwd: '/workspace/app' }).effect, 'allow');
    const args = grant('proc.exec', 'cat', '{ args: ["{*.md,*.txt}"] }');
    assert.equal(judge(args, 'proc.exec', 'cat', { args: ['.secret.md'] }).effect, 'deny');
    assert.equal(judge(args, 'proc.exec', 'cat', { args: ['a.md'] }).effect, 'allow');
    const params = grant('kv.put', '**', '{ params: { key: "prod/{*,x}" } }');
    assert.equal(judge(params, 'kv.put', 'store', { key: 'prod/.secret' }).effect, 'deny');
    assert.equal(judge(params, 'kv.put', 'store', { key: 'prod/a' }).effect, 'allow');
  });

  test('through the kernel: the dot-file is not read (its content never leaves)', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, '.secret.md'), 'TOKEN=hunter2');
    fs.writeFileSync(path.join(ws, 'notes.md'), 'hello');
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(dir, grant('fs.read', '/workspace/{*.md,*.txt}')),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath,
    });
    const secret = await kernel.submit({ action: 'fs.read', target: '/workspace/.secret.md' });
    const notes = await kernel.submit({ action: 'fs.read', target: '/workspace/notes.md' });
    await kernel.close();
    assert.equal(secret.status, 'DENIED', `read the dot-file: ${JSON.stringify(secret.data)}`);
    assert.equal(JSON.stringify(secret).includes('hunter2'), false);
    assert.equal(notes.status, 'OK');
    assert.deepEqual(
      readLog(logPath).map((r) => r['status']),
      ['DENIED', 'OK'],
    );
  });
});

describe('redteam15d: brace groups are bounded', () => {
  test('a glob whose brace groups make more than 256 alternatives is refused (E_BAD_GLOB)', () => {
    const bomb = `/workspace/${'{a,b}'.repeat(30)}`;
    const yaml = `
capabilities:
  - action: fs.delete
    resource: /workspace/**
    constraint: { recursive: true }
deny:
  - action: fs.delete
    resource: '${bomb}'
`;
    assert.deepEqual(problems(yaml), ['E_BAD_GLOB']);
    assert.deepEqual(problems(grant('fs.read', `/workspace/${'{a,b}'.repeat(8)}`)), []);
    assert.deepEqual(problems(grant('fs.read', `/workspace/${'{a,b}'.repeat(9)}`)), ['E_BAD_GLOB']);
  });
});
