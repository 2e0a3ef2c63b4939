import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToolDef, mapToolCall, type ToolDefSpec } from '../../src/workflows/tool-defs';

// Red team 15: ToolDef kept the fields it knows and dropped the rest. Fixed params are what
// the model cannot override; given under a misspelt key (`parmas`, `param`) they were
// dropped, silently, and the model's own value went to the kernel instead: a tool meant to
// GET only sent the model's DELETE. Now an unknown key is refused when the ToolDef is built.

const SPEC = {
  name: 'get_user',
  description: 'Fetch a user.',
  parameters: { type: 'object', properties: { id: { type: 'string' }, method: { type: 'string' } }, required: ['id'] },
  action: 'net.http',
  targetFrom: 'https://api.example.com/users/{id}',
};

test('new ToolDef({ parmas: { method: "GET" } }) (a typo of params) → TypeError; the model never picks the method', () => {
  let tool: ToolDef | undefined;
  try {
    tool = new ToolDef({ ...SPEC, parmas: { method: 'GET' } } as unknown as ToolDefSpec);
  } catch (err) {
    assert.ok(err instanceof TypeError, String(err));
    assert.match((err as Error).message, /parmas/);
  }
  if (tool !== undefined) {
    const mapped = mapToolCall([tool], { id: 'c1', name: 'get_user', arguments: JSON.stringify({ id: '7', method: 'DELETE' }) });
    assert.ok(mapped.ok);
    assert.equal(mapped.request.params?.['method'], 'GET', `the model's ${String(mapped.request.params?.['method'])} was sent`);
  }
  assert.equal(tool, undefined);
});

test('new ToolDef: every documented key (params, target, argumentsParam) → built', () => {
  const tool = new ToolDef({ ...SPEC, params: { method: 'GET' }, target: 'https://api.example.com/me', argumentsParam: 'arguments' });
  assert.deepEqual(tool.params, { method: 'GET' });
});
