/**
 * redteam11-audit: a model endpoint's tool call with a non-string `name` or `arguments` (some
 * OpenAI-compatible servers send `arguments` as an object) must still end in a record, not in
 * a workflow task that fails forever on `call.arguments.trim is not a function`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createChat } from '../../src/model/chat';
import { mapToolCall } from '../../src/workflows/tool-defs';
import { FILE_TOOLS } from '../../src/client/file-tools';
import type { ToolCall } from '../../src/model/types';
import { withRawModel } from './raw-model';

describe('redteam11-audit: tool calls of the wrong shape from the model endpoint', () => {
  test('callModel: arguments as an object, name as a number, no id → every ToolCall field is a string', async () => {
    const reply = await withRawModel(
      [
        { id: 'a', type: 'function', function: { name: 'read_file', arguments: { path: '/workspace/a.txt' } } },
        { type: 'function', function: { name: 42, arguments: null } },
      ],
      (baseURL) => createChat({ baseURL, apiKey: 'test', model: 'raw' })({ messages: [{ role: 'user', content: 'hi' }], tools: [] }),
    );
    const calls = reply.message.toolCalls ?? [];
    assert.equal(calls.length, 2);
    for (const call of calls)
      for (const key of ['id', 'name', 'arguments'] as const) assert.equal(typeof call[key], 'string', `${key} of ${JSON.stringify(call)}`);
    assert.deepEqual(JSON.parse(calls[0]!.arguments), { path: '/workspace/a.txt' });
  });

  test('mapToolCall (held): a recorded call with non-string fields → an error for the model, never a throw (it runs in workflow code)', () => {
    for (const call of [
      { id: 'a', name: 'read_file', arguments: { path: '/workspace/a.txt' } },
      { id: 'b', name: 42, arguments: '{}' },
      { id: 'c', name: 'read_file', arguments: null },
    ]) {
      const mapped = mapToolCall(FILE_TOOLS, call as unknown as ToolCall);
      assert.equal(typeof mapped.ok, 'boolean', JSON.stringify(call));
    }
  });
});
