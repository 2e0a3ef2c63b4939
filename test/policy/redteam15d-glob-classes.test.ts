/**
 * Red team 15d: `[...]` classes say what they match. micromatch reads `[!x]` as "`!` or `x`" (not
 * "anything but x"): a grant of `/workspace/[!.]*`, meant to keep dot-files out, granted
 * `/workspace/.env` and not `/workspace/readme`, and a deny of `/workspace/secrets/[!p]*` covered
 * `pkey` instead of `key`. `[^x]` at the start of a name also matched a dot, and a class holding
 * `/` (`[/]`, a range such as `[+-0]`) matched across segments: `/workspace/out[/]*` granted
 * `/workspace/out/.env`. Such classes are refused now.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { loadPolicyText } from '../../src/policy/load';
import { parsePolicy } from '../../src/policy/parse';
import { validatePolicy } from '../../src/policy/validate';

const problems = (yaml: string) => validatePolicy(parsePolicy(yaml, 'p.yaml')).problems.map((p) => p.code);
const read = (target: string) => canonicalizeRequest({ action: 'fs.read', target });

const policy = (capability: string, deny?: string) => `
capabilities:
  - id: g
    action: fs.read
    resource: '${capability}'
${deny === undefined ? '' : `deny:\n  - id: d\n    action: fs.read\n    resource: '${deny}'\n`}`;

describe('redteam15d: a brace group without a comma is refused', () => {
  // micromatch (like bash) reads `{a}` as the text "{a}": a deny of /workspace/{secrets}/** covered
  // /workspace/{secrets}/x only, and the workspace grant read /workspace/secrets/key.
  for (const glob of ['/workspace/{secrets}/**', '/workspace/*.{env}', '/workspace/a{}b']) {
    test(`${glob} → E_BAD_GLOB`, () => {
      assert.deepEqual(problems(policy('/workspace/**', glob)), ['E_BAD_GLOB']);
    });
  }
  test('{a,b} and {,x} stay legal', () => {
    assert.deepEqual(problems(policy('/workspace/**', '/workspace/{secrets,keys}/**')), []);
    assert.deepEqual(problems(policy('/workspace/**', '/workspace/key{,s}')), []);
  });
});

describe('redteam15d: a class in a glob is never negated and never matches "/"', () => {
  for (const [yaml, what] of [
    [policy('/workspace/[!.]*'), 'a grant meant to keep dot-files out (granted .env, not readme)'],
    [policy('/workspace/**', '/workspace/secrets/[!p]*'), 'a deny meant for all but p* (covered pkey, not key)'],
    [policy('/workspace/[^x]env'), 'a ^-negated class (matched .env)'],
    [policy('/workspace/out[/]*'), 'a class holding "/" (granted out/.env)'],
    [policy('/workspace/out[+-0]*'), 'a range spanning "/"'],
    [`capabilities:\n  - action: proc.exec\n    resource: cat\n    constraint: { args: ['[!-]*'] }\n`, 'a negated class in args'],
  ] as const) {
    test(`${what} → E_BAD_GLOB`, () => {
      const found = problems(yaml);
      assert.deepEqual(found, ['E_BAD_GLOB'], `accepted: ${yaml}`);
    });
  }

  test('such a policy does not load (fail closed: nothing it says is granted)', () => {
    assert.throws(() => loadPolicyText(policy('/workspace/[!.]*'), 'p.yaml'), { code: 'Policy.Invalid' });
  });

  test('plain classes still work: [a-z], [0-9], a class naming the dot', () => {
    const p = compilePolicy(loadPolicyText(policy('/workspace/[a-z]*.{md,txt}', '/workspace/[.]env'), 'p.yaml'));
    assert.equal(evaluate(p, read('/workspace/notes.md')).effect, 'allow');
    assert.equal(evaluate(p, read('/workspace/Notes.md')).effect, 'deny');
    assert.deepEqual(problems(policy('/workspace/data-[0-9][0-9].csv', '/workspace/[.]env')), []);
    assert.deepEqual(problems(policy('/workspace/[-_a]*')), []);
  });
});
