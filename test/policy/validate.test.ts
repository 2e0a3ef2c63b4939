import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../../src/policy/parse';
import { validatePolicy } from '../../src/policy/validate';
import { ProblemCode } from '../../src/policy/problem';
import { policyFixtures } from './fixture-table';

const EXTRA = { extraActions: ['kv.get', 'kv.put'] };
const check = (text: string, options = EXTRA) => validatePolicy(parsePolicy(text, 'p.yaml'), options);
const codesAt = (text: string) => check(text).problems.map((p) => `${p.code} ${p.line}:${p.col}`);

describe('validatePolicy: fixture table', () => {
  for (const f of policyFixtures('valid')) {
    test(`validatePolicy: valid/${f.name} → a document and no problems`, () => {
      const { document, problems } = validatePolicy(parsePolicy(f.text, f.name), EXTRA);
      assert.deepEqual(problems, []);
      assert.ok(document);
    });
  }
  for (const f of policyFixtures('invalid')) {
    test(`validatePolicy: invalid/${f.name} → exactly ${f.expected.join(', ')} and no document`, () => {
      assert.ok(f.expected.length > 0, 'fixture must state its problems in a "# expect:" first line');
      const { document, problems } = validatePolicy(parsePolicy(f.text, f.name), EXTRA);
      assert.equal(document, undefined);
      assert.deepEqual(
        problems.map((p) => `${p.code} ${p.line}:${p.col}`),
        f.expected,
      );
      for (const p of problems) {
        assert.equal(p.file, f.name);
        assert.ok(p.message.length > 0 && p.hint.length > 0, `message and hint for ${p.code}`);
      }
    });
  }
  test('validatePolicy: many-problems.yaml → every problem at once (at least 15, of 10 kinds)', () => {
    const f = policyFixtures('invalid').find((x) => x.name === 'many-problems.yaml');
    assert.ok(f);
    const { problems } = validatePolicy(parsePolicy(f.text, f.name));
    assert.ok(problems.length >= 15, `got ${problems.length}`);
    assert.ok(new Set(problems.map((p) => p.code)).size >= 10);
  });
});

describe('validatePolicy: the seed quickstart', () => {
  test('validatePolicy: seed policy unchanged → 4 capabilities with generated ids, method normalised', () => {
    const f = policyFixtures('valid').find((x) => x.name === 'seed-quickstart.yaml');
    assert.ok(f);
    const { document } = validatePolicy(parsePolicy(f.text, 'policy.yaml'));
    assert.ok(document);
    assert.equal(document.version, 1);
    assert.deepEqual(
      document.capabilities.map((r) => [r.id, r.kind, r.action, r.resource]),
      [
        ['capabilities[0]', 'capability', 'fs.read', '/workspace/**'],
        ['capabilities[1]', 'capability', 'fs.write', '/workspace/output/**'],
        ['capabilities[2]', 'capability', 'proc.exec', 'git'],
        ['capabilities[3]', 'capability', 'net.http', 'https://api.example.com/**'],
      ],
    );
    assert.deepEqual(document.capabilities[3]?.constraint, { method: ['GET'] });
    assert.deepEqual(document.capabilities[2]?.position, { file: 'policy.yaml', line: 8, col: 5 });
    assert.deepEqual(document.deny, []);
    assert.deepEqual(document.ask, []);
  });
});

describe('validatePolicy: rules', () => {
  test('validatePolicy: author ids and generated ids per list → capabilities[0], deny[1], ask[0]', () => {
    const { document } = check(
      'capabilities:\n  - action: fs.read\n    resource: /a\ndeny:\n  - id: x\n    action: fs.read\n    resource: /b\n  - action: fs.read\n    resource: /c\nask:\n  - action: fs.read\n    resource: /d\n',
    );
    assert.deepEqual(
      [...(document?.capabilities ?? []), ...(document?.deny ?? []), ...(document?.ask ?? [])].map((r) => r.id),
      ['capabilities[0]', 'x', 'deny[1]', 'ask[0]'],
    );
  });

  test('validatePolicy: method list in mixed case with repeats → upper-case, de-duplicated', () => {
    const { document } = check('capabilities:\n  - action: net.http\n    resource: https://a.example/**\n    constraint:\n      method: [get, Post, GET]\n');
    assert.deepEqual(document?.capabilities[0]?.constraint.method, ['GET', 'POST']);
  });

  test('validatePolicy: every proc.exec constraint → kept as written', () => {
    const { document, problems } = check(
      'capabilities:\n  - action: proc.exec\n    resource: /usr/bin/git\n    constraint:\n      args: [log, "**"]\n      deny_args: ["-c"]\n      cwd: /w/**\n      env: [HOME]\n      timeout_ms: 5000\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(document?.capabilities[0]?.constraint, { args: ['log', '**'], deny_args: ['-c'], cwd: '/w/**', env: ['HOME'], timeout_ms: 5000 });
  });

  test('validatePolicy: proc.exec network: proxy in capabilities and ask → kept; none → kept', () => {
    const { document, problems } = check(
      'capabilities:\n  - { action: proc.exec, resource: curl, constraint: { network: proxy } }\n  - { action: proc.exec, resource: wget, constraint: { network: none } }\nask:\n  - { action: proc.exec, resource: git, constraint: { network: proxy } }\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      document?.capabilities.map((r) => r.constraint),
      [{ network: 'proxy' }, { network: 'none' }],
    );
    assert.deepEqual(document?.ask[0]?.constraint, { network: 'proxy' });
  });

  test('validatePolicy: network: full / network in a deny rule / network on net.http → one clear problem each, the file never loads', () => {
    const bad = check('capabilities:\n  - { action: proc.exec, resource: curl, constraint: { network: full } }\n');
    assert.equal(bad.document, undefined);
    assert.equal(bad.problems[0]?.code, ProblemCode.InvalidValue);
    assert.match(bad.problems[0]?.hint ?? '', /network: proxy/);
    const deny = check(
      'capabilities:\n  - { action: proc.exec, resource: curl }\ndeny:\n  - { action: proc.exec, resource: curl, constraint: { network: proxy } }\n',
    );
    assert.equal(deny.document, undefined);
    assert.equal(deny.problems[0]?.code, ProblemCode.ConstraintForAction);
    assert.match(deny.problems[0]?.message ?? '', /no meaning in a deny rule/);
    const http = check('capabilities:\n  - { action: net.http, resource: "https://x.test/**", constraint: { network: proxy } }\n');
    assert.equal(http.document, undefined);
    assert.equal(http.problems[0]?.code, ProblemCode.ConstraintForAction);
  });

  test('validatePolicy: typo in deny → E_UNKNOWN_ACTION, so the file never loads (no fail-open)', () => {
    const { document, problems } = check('capabilities:\n  - action: fs.read\n    resource: /w/**\ndeny:\n  - action: fs.wirte\n    resource: /w/secret/**\n');
    assert.equal(document, undefined);
    assert.equal(problems[0]?.code, ProblemCode.UnknownAction);
    assert.equal(problems[0]?.hint, 'did you mean "fs.write"?');
  });

  test('validatePolicy: effect key on a rule → E_UNKNOWN_KEY with a hint to move the rule', () => {
    const { problems } = check('capabilities:\n  - action: fs.read\n    resource: /w/**\n    effect: deny\n');
    assert.equal(problems[0]?.code, ProblemCode.UnknownKey);
    assert.match(problems[0]?.hint ?? '', /deny:/);
  });

  test('validatePolicy: misspelled top-level key → did-you-mean hint', () => {
    assert.equal(check('capabilties: []\ndeny: []\n').problems[0]?.hint, 'did you mean "capabilities"?');
  });

  test('validatePolicy: Fs.Read → E_UNKNOWN_ACTION (case matters) with a did-you-mean hint', () => {
    const { problems } = check('capabilities:\n  - action: Fs.Read\n    resource: /w/**\n');
    assert.deepEqual(
      problems.map((p) => [p.code, p.hint]),
      [[ProblemCode.UnknownAction, 'did you mean "fs.read"?']],
    );
  });

  test('validatePolicy: custom action without extraActions → E_UNKNOWN_ACTION; with them → loads', () => {
    const text = 'capabilities:\n  - action: kv.get\n    resource: "k/*"\n';
    assert.equal(check(text, { extraActions: [] }).problems[0]?.code, ProblemCode.UnknownAction);
    assert.deepEqual(check(text).problems, []);
  });

  test('validatePolicy: extraActions in a reserved namespace → throws Policy.InvalidOptions', () => {
    assert.throws(() => check('capabilities: []\n', { extraActions: ['fs.chmod'] }), { code: 'Policy.InvalidOptions' });
    assert.throws(() => check('capabilities: []\n', { extraActions: ['Bad Name'] }), { code: 'Policy.InvalidOptions' });
  });

  test('validatePolicy: constraint key legal for some covered actions → E_CONSTRAINT_FOR_ACTION naming the others', () => {
    const { problems } = check('capabilities:\n  - action: fs.*\n    resource: /w/**\n    constraint:\n      recursive: true\n');
    assert.equal(problems[0]?.code, ProblemCode.ConstraintForAction);
    assert.match(problems[0]?.message ?? '', /fs\.read, fs\.write, fs\.list/);
    assert.match(problems[0]?.hint ?? '', /fs\.delete/);
  });

  test('validatePolicy: custom action with a constraint → E_CONSTRAINT_FOR_ACTION', () => {
    assert.deepEqual(codesAt('capabilities:\n  - action: kv.get\n    resource: "k/*"\n    constraint:\n      max_bytes: 1\n'), ['E_CONSTRAINT_FOR_ACTION 5:7']);
  });

  test('validatePolicy: regex-looking and expanding globs → E_BAD_GLOB at the value', () => {
    for (const glob of ['/w/+(a|b)', '/w/@(x)', '/w/{1..100000}', '/w/{a,{b,c}}', '/w/[abc', '/w/a\\*']) {
      assert.deepEqual(codesAt(`capabilities:\n  - action: fs.read\n    resource: '${glob}'\n`), ['E_BAD_GLOB 3:15'], glob);
    }
  });

  test('validatePolicy: url resources → scheme, host and path required; credentials refused', () => {
    const at = (r: string) => codesAt(`capabilities:\n  - action: net.http\n    resource: '${r}'\n`);
    assert.deepEqual(at('https://a.example/**'), []);
    assert.deepEqual(at('ftp://a.example/**'), ['E_RESOURCE_FORM 3:15']);
    assert.deepEqual(at('HTTPS://a.example/**'), ['E_RESOURCE_FORM 3:15']);
    assert.deepEqual(at('https:///x'), ['E_RESOURCE_FORM 3:15']);
    assert.deepEqual(at('https://user@a.example/**'), ['E_BAD_GLOB 3:15']);
  });

  test('validatePolicy: program resources → bare name or absolute path, not ./git', () => {
    const at = (r: string) => codesAt(`capabilities:\n  - action: proc.exec\n    resource: '${r}'\n`);
    assert.deepEqual(at('git'), []);
    assert.deepEqual(at('/usr/bin/*'), []);
    assert.deepEqual(at('./git'), ['E_RESOURCE_FORM 3:15']);
  });

  test('validatePolicy: null for a string, number for a string → E_TYPE with a quoting hint', () => {
    const { problems } = check(
      'capabilities:\n  - action: proc.exec\n    resource: ~\n  - action: proc.exec\n    resource: 7z\n  - action: proc.exec\n    resource: 123\n',
    );
    assert.deepEqual(
      problems.map((p) => `${p.code} ${p.line}:${p.col}`),
      ['E_TYPE 3:15', 'E_TYPE 7:15'],
    );
    assert.equal(problems[1]?.hint, 'quote it: "123"');
  });

  test('validatePolicy: version absent → recorded as 1; version 1 → accepted', () => {
    assert.equal(check('capabilities: []\n').document?.version, 1);
    assert.equal(check('version: 1\ncapabilities: []\n').document?.version, 1);
  });

  test('validatePolicy: a document → carries file and sha256 hash of the text', () => {
    const parsed = parsePolicy('capabilities: []\n', 'x.yaml');
    const { document } = validatePolicy(parsed);
    assert.equal(document?.file, 'x.yaml');
    assert.equal(document?.hash, parsed.hash);
    assert.match(document?.hash ?? '', /^[0-9a-f]{64}$/);
  });
});
