/**
 * redteam14d: the token counts of a model reply, which the run's `maxModelTokens` budget adds up
 * in workflow code, are non-negative integers with a total of at least prompt + completion,
 * whatever the endpoint sends: no total (it counted 0), a negative total (it paid back earlier
 * turns), a string (it turned the run's count into a string no budget compares against). And a
 * reply's content is text whatever the endpoint sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChat } from '../../src/model/chat';

/** A chat-completions endpoint on loopback answering every request with `usage`. */
async function endpoint(usage: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  return endpointWith({ role: 'assistant', content: 'done' }, usage);
}

/** A chat-completions endpoint on loopback answering every request with `message` and `usage`. */
async function endpointWith(
  message: unknown,
  usage: unknown = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const text = JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: 'm',
        choices: [{ index: 0, finish_reason: 'stop', message }],
        usage,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('model reply usage: missing, negative, fractional, string and object token counts → non-negative integers, total ≥ prompt + completion', async () => {
  const cases: ReadonlyArray<readonly [unknown, { promptTokens: number; completionTokens: number; totalTokens: number }]> = [
    [
      { prompt_tokens: 600, completion_tokens: 500 },
      { promptTokens: 600, completionTokens: 500, totalTokens: 1100 },
    ],
    [
      { prompt_tokens: 600, completion_tokens: 500, total_tokens: -1_000_000_000 },
      { promptTokens: 600, completionTokens: 500, totalTokens: 1100 },
    ],
    [
      { prompt_tokens: -5, completion_tokens: -5, total_tokens: -1_000_000_000 },
      { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    ],
    [
      { prompt_tokens: 1.5, completion_tokens: 0, total_tokens: 0.5 },
      { promptTokens: 2, completionTokens: 0, totalTokens: 2 },
    ],
    [
      { prompt_tokens: '600', completion_tokens: {}, total_tokens: 'many' },
      { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    ],
    [
      { prompt_tokens: 3, completion_tokens: 2, total_tokens: 50 },
      { promptTokens: 3, completionTokens: 2, totalTokens: 50 },
    ],
    [null, { promptTokens: 0, completionTokens: 0, totalTokens: 0 }],
  ];
  for (const [usage, expected] of cases) {
    const server = await endpoint(usage);
    try {
      const reply = await createChat({ baseURL: server.url, apiKey: 'test', model: 'm' })({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
      assert.deepEqual(reply.usage, expected, JSON.stringify(usage));
      // What the workflow does with it (budgets.ts): a number it can compare.
      assert.equal(typeof (0 + reply.usage.totalTokens), 'number');
    } finally {
      await server.close();
    }
  }
});

test('model reply content: an object or array instead of text → its JSON text (the workflow measures and cuts the content as a string)', async () => {
  for (const [content, expected] of [
    [{ length: 1e9, text: 'hi' }, '{"length":1000000000,"text":"hi"}'],
    [[{ type: 'text', text: 'hi' }], '[{"type":"text","text":"hi"}]'],
    [42, '42'],
    ['plain', 'plain'],
    [null, null],
  ] as const) {
    const server = await endpointWith({ role: 'assistant', content });
    try {
      const reply = await createChat({ baseURL: server.url, apiKey: 'test', model: 'm' })({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
      assert.equal(reply.message.content, expected, JSON.stringify(content));
    } finally {
      await server.close();
    }
  }
});
