import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parsePolicy } from '../../src/policy/parse';
import { ProblemCode, formatProblem, sortProblems } from '../../src/policy/problem';

describe('parsePolicy', () => {
  test('parsePolicy: well-formed YAML → no problems, not fatal, positions available', () => {
    const parsed = parsePolicy('capabilities:\n  - action: fs.read\n    resource: /w/**\n', 'p.yaml');
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.fatal, false);
    assert.equal(parsed.file, 'p.yaml');
    assert.deepEqual(parsed.lineCounter.linePos(16), { line: 2, col: 3 });
  });

  test('parsePolicy: any text → hash is the sha256 hex of the exact text', () => {
    const text = 'capabilities: []\n';
    assert.equal(parsePolicy(text, 'p').hash, createHash('sha256').update(text).digest('hex'));
    assert.notEqual(parsePolicy(`${text} `, 'p').hash, parsePolicy(text, 'p').hash);
  });

  test('parsePolicy: unclosed bracket → E_YAML_SYNTAX problem, fatal, no throw', () => {
    const parsed = parsePolicy('capabilities: [\n', 'p.yaml');
    assert.equal(parsed.fatal, true);
    assert.ok(parsed.problems.length >= 1);
    assert.ok(parsed.problems.every((p) => p.code === ProblemCode.YamlSyntax && p.file === 'p.yaml'));
  });

  test('parsePolicy: duplicate key → E_DUPLICATE_KEY at the second key, not fatal', () => {
    const parsed = parsePolicy('deny: []\ndeny: []\n', 'p.yaml');
    assert.equal(parsed.fatal, false);
    assert.deepEqual(
      parsed.problems.map((p) => [p.code, p.line, p.col]),
      [[ProblemCode.DuplicateKey, 2, 1]],
    );
  });

  test('parsePolicy: tab indentation → E_YAML_SYNTAX with its line', () => {
    const parsed = parsePolicy('capabilities:\n\t- action: fs.read\n', 'p.yaml');
    assert.equal(parsed.fatal, true);
    assert.equal(parsed.problems[0]?.line, 2);
  });

  test('parsePolicy: custom tag → E_YAML_SYNTAX warning turned into a problem', () => {
    const parsed = parsePolicy('capabilities: !allow []\n', 'p.yaml');
    assert.deepEqual(
      parsed.problems.map((p) => p.code),
      [ProblemCode.YamlSyntax],
    );
    assert.match(parsed.problems[0]?.hint ?? '', /tag/);
  });

  test('parsePolicy: two YAML documents → E_YAML_SYNTAX at the second', () => {
    const parsed = parsePolicy('capabilities: []\n---\ndeny: []\n', 'p.yaml');
    assert.deepEqual(
      parsed.problems.map((p) => [p.code, p.line]),
      [[ProblemCode.YamlSyntax, 2]],
    );
  });

  test('parsePolicy: empty text → no syntax problem (validation reports the empty policy)', () => {
    const parsed = parsePolicy('', 'p.yaml');
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.document.contents, null);
  });
});

describe('formatProblem', () => {
  test('formatProblem: a problem → "file:line:col: CODE: message" then an indented hint line', () => {
    const text = formatProblem({
      file: 'p.yaml',
      line: 3,
      col: 13,
      code: ProblemCode.UnknownAction,
      message: 'unknown action "fs.wirte"',
      hint: 'did you mean "fs.write"?',
    });
    assert.equal(text, 'p.yaml:3:13: E_UNKNOWN_ACTION: unknown action "fs.wirte"\n    hint: did you mean "fs.write"?');
  });

  test('sortProblems: problems out of order → ordered by line, then column', () => {
    const p = (line: number, col: number) => ({ file: 'f', line, col, code: ProblemCode.Type, message: '', hint: '' });
    assert.deepEqual(
      sortProblems([p(3, 1), p(1, 5), p(1, 2)]).map((x) => `${x.line}:${x.col}`),
      ['1:2', '1:5', '3:1'],
    );
  });
});
