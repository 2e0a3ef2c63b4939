/**
 * redteam11-audit: a model endpoint's tool call with a non-string `name` or `arguments` (some
 * OpenAI-compatible servers send `arguments` as an object) must still end in a record, not in
 * a workflow task that fails forever on `call.arguments.trim is not a function`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChat } from '../../src/model/chat';
import { mapToolCall } from '../../src/workflows/tool-defs';
import { FILE_TOOLS } from '../../src/client/file-tools';
import type { ToolCall } from '../../src/model/types';

async function withRawModel<T>(toolCalls: unknown[], fn: (baseURL: string) => Promise<T>): Promise<T> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 0,
          model: 'raw',
          choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: toolCalls } }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

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
