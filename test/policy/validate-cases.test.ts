import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { validateCases } from '../../src/policy/cases';
import { loadPolicyFile, loadPolicyText } from '../../src/policy/load';
import { parsePolicy } from '../../src/policy/parse';
import { runPolicyCases } from '../../src/policy/run-cases';
import { fixture } from '../helpers/paths';
import { policyFixtures } from './fixture-table';

const cases = (text: string) => validateCases(parsePolicy(text, 'cases.yaml'));

describe('validateCases', () => {
  test('validateCases: invalid-cases.yaml → every problem with its position, no cases', () => {
    const f = policyFixtures('cases').find((x) => x.name === 'invalid-cases.yaml');
    assert.ok(f);
    const result = validateCases(parsePolicy(f.text, f.name));
    assert.equal(result.cases, undefined);
    const got = result.problems.map((p) => `${p.code} ${p.line}:${p.col}`);
    for (const expected of f.expected) assert.ok(got.includes(expected), `${expected} in ${got.join(', ')}`);
  });

  test('validateCases: a full case → name, action, target, params, expect, rule and position', () => {
    const { cases: list, problems } = cases(
      'cases:\n  - name: n\n    action: net.http\n    target: https://a.example/\n    params: { method: POST }\n    expect: deny\n    rule: r1\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(list, [
      {
        name: 'n',
        action: 'net.http',
        target: 'https://a.example/',
        params: { method: 'POST' },
        expect: 'deny',
        rule: 'r1',
        position: { file: 'cases.yaml', line: 2, col: 5 },
      },
    ]);
  });

  test('validateCases: no cases list → E_MISSING_KEY', () => {
    assert.deepEqual(
      cases('tests: []\n')
        .problems.map((p) => p.code)
        .sort(),
      ['E_MISSING_KEY', 'E_UNKNOWN_KEY'],
    );
  });
});

describe('runPolicyCases', () => {
  test('runPolicyCases: full-cases.yaml against full.yaml → every case passes', () => {
    const policy = loadPolicyFile(fixture('policies', 'valid', 'full.yaml'));
    const f = policyFixtures('cases').find((x) => x.name === 'full-cases.yaml');
    assert.ok(f);
    const { cases: list } = validateCases(parsePolicy(f.text, f.name));
    assert.ok(list);
    const results = runPolicyCases(policy, list);
    assert.deepEqual(
      results.filter((r) => !r.passed).map((r) => [r.case.name, r.mismatches]),
      [],
    );
    assert.equal(results.length, 8);
  });

  test('runPolicyCases: wrong effect and wrong rule → one mismatch line each', () => {
    const policy = loadPolicyText('capabilities:\n  - id: read\n    action: fs.read\n    resource: /w/**\n', 'p.yaml');
    const { cases: list } = cases('cases:\n  - name: a\n    action: fs.read\n    target: /w/x\n    expect: deny\n    rule: other\n');
    assert.ok(list);
    const [result] = runPolicyCases(policy, list);
    assert.equal(result?.passed, false);
    assert.deepEqual(result?.mismatches, ['effect: expected deny, got allow', 'rule: expected other, got read']);
  });

  test('runPolicyCases: target that cannot be canonicalised → judged as deny with the reason', () => {
    const policy = loadPolicyText('capabilities:\n  - action: fs.read\n    resource: /w/**\n', 'p.yaml');
    const { cases: list } = cases('cases:\n  - name: relative\n    action: fs.read\n    target: w/x\n    expect: deny\n');
    assert.ok(list);
    const [result] = runPolicyCases(policy, list);
    assert.equal(result?.passed, true);
    assert.match(result?.actual.reason ?? '', /refused before evaluation/);
  });

  test('runPolicyCases: a deny on a bare program name → applies to the program named by an absolute path, as in the kernel', () => {
    const policy = loadPolicyText(
      'capabilities:\n  - { id: usr-bin, action: proc.exec, resource: "/usr/bin/*" }\ndeny:\n  - { id: no-curl, action: proc.exec, resource: curl }\n',
      'p.yaml',
    );
    const { cases: list } = cases(
      'cases:\n  - { name: abs, action: proc.exec, target: /usr/bin/curl, expect: deny, rule: no-curl }\n  - { name: other, action: proc.exec, target: /usr/bin/ls, expect: allow }\n',
    );
    assert.ok(list);
    assert.deepEqual(
      runPolicyCases(policy, list).map((r) => r.mismatches),
      [[], []],
    );
  });
});
