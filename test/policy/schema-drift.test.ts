import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { BUILTIN_ACTIONS, RESERVED_NAMESPACES } from '../../src/policy/actions';
import { policySchema } from '../../src/policy/schema';
import { ALL_CONSTRAINT_KEYS, CONSTRAINT_KEYS } from '../../src/policy/validate-constraint';
import { PARAM_CONDITION_KEYS } from '../../src/policy/validate-params';

type Json = Record<string, unknown>;
const defs = (policySchema as { definitions: Record<string, Json> }).definitions;
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(policySchema);

describe('policy JSON Schema vs the validator (drift)', () => {
  test('schema drift: the built-in actions → the same list in the schema enum and in BUILTIN_ACTIONS', () => {
    const anyOf = (defs['action'] as { anyOf: Json[] }).anyOf;
    assert.deepEqual([...(anyOf[0] as { enum: string[] }).enum].sort(), [...BUILTIN_ACTIONS].sort());
    const custom = new RegExp((anyOf[2] as { pattern: string }).pattern);
    for (const ns of RESERVED_NAMESPACES) assert.equal(custom.test(`${ns}.custom`), false, `${ns}. is reserved in the schema too`);
    assert.equal(custom.test('kv.get'), true);
  });

  test('schema drift: constraint keys → every key of the validator is a schema property, and no other', () => {
    assert.deepEqual(Object.keys((defs['constraint'] as { properties: Json }).properties).sort(), [...ALL_CONSTRAINT_KEYS].sort());
  });

  test("schema drift: per built-in action → the schema allows exactly the validator's constraint keys", () => {
    const rules = (defs['rule'] as { allOf: { if: { properties: { action: { const: string } } }; then: Json }[] }).allOf;
    for (const action of BUILTIN_ACTIONS) {
      const branch = rules.find((r) => r.if.properties.action.const === action);
      assert.ok(branch, `an if/then for ${action}`);
      const keys = CONSTRAINT_KEYS[action] ?? [];
      const names = ((branch.then['properties'] as Json | undefined)?.['constraint'] as { propertyNames?: { enum: string[] } } | undefined)?.propertyNames
        ?.enum;
      if (keys.length === 0) assert.deepEqual(branch.then['not'], { required: ['constraint'] }, action);
      else assert.deepEqual([...(names ?? [])].sort(), [...keys].sort(), action);
    }
  });

  test("schema drift: a params condition mapping → exactly the validator's keys (match, min, max, max_length)", () => {
    const mapping = (defs['paramCondition'] as { anyOf: Json[] }).anyOf[1] as { properties: Json };
    assert.deepEqual(Object.keys(mapping.properties).sort(), [...PARAM_CONDITION_KEYS].sort());
  });

  test('schema: params on mcp.call and on a custom action → accepted; on fs.read → rejected', () => {
    const rule = (action: string, resource: string) => ({ capabilities: [{ action, resource, constraint: { params: { path: '/w/**', n: { min: 1 } } } }] });
    assert.equal(validate(rule('mcp.call', 'fs/read_file')), true, JSON.stringify(validate.errors));
    assert.equal(validate(rule('kv.get', 'x/**')), true);
    assert.equal(validate(rule('fs.read', '/w/**')), false);
  });
});
