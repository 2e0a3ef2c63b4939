/**
 * audit12-gaps: a tool call of another type than `function` (an OpenAI custom tool call, or a type
 * unknown here) must not vanish between the endpoint and the run: it reaches the workflow under a
 * name no tool can have, and goes back to the endpoint as it came, so the transcript that answers
 * it (a tool message for its id) stays valid.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createChat } from '../../src/model/chat';
import { mapToolCall } from '../../src/workflows/tool-defs';
import { FILE_TOOLS } from '../../src/client/file-tools';
import type { ChatMessage } from '../../src/model/types';
import { withRawModel } from './raw-model';

const CUSTOM = { id: 'c1', type: 'custom', custom: { name: 'read_file', input: '/workspace/a.txt' } };
const ODD = { type: 'web_search', web_search: { query: 'x' } };
const FUNCTION = { id: 'f1', type: 'function', function: { name: 'read_file', arguments: '{"path":"/workspace/b.txt"}' } };

describe('audit12-gaps: tool calls of another type than function', () => {
  test('callModel: a custom call and one of an unknown type are kept (never dropped), under names no tool can match', async () => {
    const reply = await withRawModel([CUSTOM, ODD, FUNCTION], (baseURL) =>
      createChat({ baseURL, apiKey: 'test', model: 'raw' })({ messages: [{ role: 'user', content: 'hi' }], tools: [] }),
    );
    const calls = reply.message.toolCalls ?? [];
    assert.deepEqual(
      calls.map((c) => [c.id, c.name]),
      [
        ['c1', 'custom:read_file'],
        ['call_1', 'web_search:'],
        ['f1', 'read_file'],
      ],
    );
    // The run's mapping refuses them as unknown tools — a custom call named like a function tool never runs as one.
    for (const call of calls.slice(0, 2)) {
      const mapped = mapToolCall(FILE_TOOLS, call);
      assert.equal(mapped.ok, false);
      assert.equal(mapped.ok ? '' : mapped.code, 'Tool.UnknownTool');
    }
    assert.equal(mapToolCall(FILE_TOOLS, calls[2]!).ok, true);
  });

  test('the next request: each call goes back as the endpoint sent it (with its id), answered by a tool message for that id', async () => {
    await withRawModel([CUSTOM, ODD, FUNCTION], async (baseURL, received) => {
      const chat = createChat({ baseURL, apiKey: 'test', model: 'raw' });
      const reply = await chat({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
      const calls = reply.message.toolCalls ?? [];
      const transcript: ChatMessage[] = [
        { role: 'user', content: 'hi' },
        reply.message,
        ...calls.map((c): ChatMessage => ({ role: 'tool', toolCallId: c.id, content: '{"status":"ERROR"}' })),
      ];
      await chat({ messages: transcript, tools: [] });
      const sent = received[1]!.messages;
      assert.deepEqual(sent[1]?.tool_calls, [CUSTOM, { ...ODD, id: 'call_1' }, FUNCTION]);
      assert.deepEqual(
        sent.slice(2).map((m) => [m.role, m.tool_call_id]),
        [
          ['tool', 'c1'],
          ['tool', 'call_1'],
          ['tool', 'f1'],
        ],
      );
    });
  });

  test('callModel: a call that is not an object, or has no type but a function body, still yields one ToolCall each', async () => {
    const untyped = { id: 'u1', function: { name: 'read_file', arguments: '{}' } };
    const reply = await withRawModel([42, untyped, { id: 'o', type: { toString: 1 } }], (baseURL) =>
      createChat({ baseURL, apiKey: 'test', model: 'raw' })({ messages: [{ role: 'user', content: 'hi' }], tools: [] }),
    );
    const calls = reply.message.toolCalls ?? [];
    assert.equal(calls.length, 3);
    for (const call of calls) for (const key of ['id', 'name', 'arguments'] as const) assert.equal(typeof call[key], 'string');
    assert.deepEqual([calls[1]?.name, (calls[1] as { sent?: unknown } | undefined)?.sent], ['read_file', undefined]);
  });
});
