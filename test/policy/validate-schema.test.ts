import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { POLICY_SCHEMA_PATH, policySchema } from '../../src/policy/schema';
import { policyFixtures } from './fixture-table';

/**
 * The schema is the editor's view and the validator the authority. The schema must accept
 * every valid fixture, and reject every invalid fixture except those listed here, whose
 * problems need more than JSON Schema can say (positions, duplicates, globs, action globs).
 */
const SCHEMA_CANNOT_SEE = new Set([
  'action-glob-matches-nothing.yaml',
  'alias.yaml',
  'constraint-for-action.yaml',
  'dotdot-segment.yaml',
  'duplicate-id.yaml',
  'duplicate-key.yaml',
  'mixed-families.yaml',
  'partial-globstar.yaml',
  'too-many-stars.yaml',
  'trailing-slash.yaml',
]);
/** Not YAML a schema could be applied to. */
const NOT_PARSEABLE = new Set(['multiple-documents.yaml', 'yaml-syntax.yaml']);

const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(policySchema);
const data = (text: string): unknown => parse(text, { uniqueKeys: false });

describe('policy JSON Schema', () => {
  for (const f of policyFixtures('valid')) {
    test(`schema: valid/${f.name} → accepted`, () => {
      assert.equal(validate(data(f.text)), true, JSON.stringify(validate.errors));
    });
  }
  for (const f of policyFixtures('invalid').filter((x) => !NOT_PARSEABLE.has(x.name))) {
    const accepted = SCHEMA_CANNOT_SEE.has(f.name);
    test(`schema: invalid/${f.name} → ${accepted ? 'accepted (only the validator sees it)' : 'rejected'}`, () => {
      assert.equal(validate(data(f.text)), accepted);
    });
  }

  test('schema: every fixture with an unknown key → rejected (schema and validator never drift)', () => {
    const withUnknownKey = policyFixtures('invalid').filter((f) => f.expected.some((e) => e.startsWith('E_UNKNOWN_KEY')));
    assert.ok(withUnknownKey.length >= 4);
    for (const f of withUnknownKey) assert.equal(validate(data(f.text)), false, f.name);
  });

  test('schema: shipped next to the compiled module → the file exists and equals the imported schema', () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(POLICY_SCHEMA_PATH, 'utf8')), policySchema);
  });
});
