/**
 * The model call over real HTTP on loopback, through the `openai` client with the project's
 * `fetch` (src/model/fetch.ts, what `createChat` uses) and, for the cases both can run,
 * with Node's global `fetch` (the way before): the same wire request, the same reply, and
 * every failure mapped by toModelFailure to the same `Model.*` type and retryability —
 * connection refused, HTTP 4xx/5xx, a bad reply, a timeout, an abort, a redirect.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { ScriptedModelServer } from '../../src/dev/scripted-server';
import { createChat, createChatWith, type Chat } from '../../src/model/chat';
import type { ModelConfig } from '../../src/model/config';
import type { ModelRequest } from '../../src/model/types';

const REQUEST: ModelRequest = {
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'write it' },
  ],
  tools: [{ name: 'write_file', description: 'Write a file.', parameters: { type: 'object', properties: { path: { type: 'string' } } } }],
};

const WAYS: ReadonlyArray<readonly [string, (config: ModelConfig) => Chat]> = [
  ['createChat (undici request)', createChat],
  ["Node's global fetch", (config) => createChatWith(config, globalThis.fetch)],
];

async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await call.then(
    () => assert.fail('the model call succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, got ${String(err)}`);
  return err;
}

/** A raw HTTP server on loopback; `handle` answers each request. */
async function rawServer(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const completion = (model: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 0,
  model,
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'done' } }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

for (const [way, make] of WAYS) {
  describe(`model call over HTTP: ${way}`, () => {
    test('a tool-call reply → the transcript and tools on the wire, the reply, model and usage mapped back', async () => {
      const server = await ScriptedModelServer.start([
        { reply: { content: 'on it', toolCalls: [{ name: 'write_file', arguments: { path: '/w/a' }, id: 'c1' }] }, usage: { prompt: 7, completion: 3 } },
      ]);
      try {
        const reply = await make({ baseURL: server.baseURL, apiKey: 'k', model: 'm1' })(REQUEST);
        assert.deepEqual(reply, {
          message: { role: 'assistant', content: 'on it', toolCalls: [{ id: 'c1', name: 'write_file', arguments: '{"path":"/w/a"}' }] },
          model: 'm1',
          usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
        });
        const got = server.requests[0];
        assert.equal(got?.model, 'm1');
        assert.deepEqual(
          got?.messages.map((m) => [m.role, m.content]),
          [
            ['system', 'be brief'],
            ['user', 'write it'],
          ],
        );
        assert.deepEqual(
          got?.tools?.map((t) => t.function.name),
          ['write_file'],
        );
        server.assertDone();
      } finally {
        await server.close();
      }
    });

    test('request headers → the API key as a bearer token, JSON content type, the client’s user agent', async () => {
      let seen: http.IncomingHttpHeaders = {};
      const server = await rawServer((req, res) => {
        seen = req.headers;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion('m1')));
      });
      try {
        await make({ baseURL: `${server.url}/v1`, apiKey: 'sk-test', model: 'm1' })(REQUEST);
        assert.equal(seen.authorization, 'Bearer sk-test');
        assert.equal(seen['content-type'], 'application/json');
        assert.match(String(seen['user-agent']), /^OpenAI\/JS /);
      } finally {
        await server.close();
      }
    });

    test('nothing listens at the base URL → Model.Connection, non-retryable, naming ECONNREFUSED, the URL and the setting', async () => {
      const server = await rawServer(() => undefined);
      const url = `${server.url}/v1`;
      await server.close();
      const failure = await failureOf(make({ baseURL: url, model: 'm', baseURLSetting: 'MY_URL' })(REQUEST));
      assert.equal(failure.type, 'Model.Connection');
      assert.equal(failure.nonRetryable, true);
      assert.equal(failure.message, `model endpoint at ${url} unreachable: ECONNREFUSED — check MY_URL and that the model server runs`);
    });

    test('HTTP 429 with retry-after-ms, 500, 503, 400, 401, 404, 418 → RateLimit (delay kept), ServerError ×2, BadRequest, Unauthorized, NotFound, Rejected', async () => {
      const server = await ScriptedModelServer.start([
        { error: { status: 429, message: 'slow down', headers: { 'retry-after-ms': '1500' } } },
        { error: { status: 500 } },
        { error: { status: 503, message: 'try later' } },
        { error: { status: 400, message: 'bad tools' } },
        { error: { status: 401 } },
        { error: { status: 404 } },
        { error: { status: 418 } },
      ]);
      try {
        const chat = make({ baseURL: server.baseURL, model: 'm' });
        const got = [];
        for (let i = 0; i < 7; i++) {
          const f = await failureOf(chat(REQUEST));
          got.push([f.type, f.nonRetryable]);
          if (i === 0) {
            assert.equal(f.nextRetryDelay, 1500);
            assert.equal(f.message, 'model endpoint answered 429: slow down');
          }
          if (i === 2) assert.equal(f.message, 'model endpoint answered 503: try later');
        }
        assert.deepEqual(got, [
          ['Model.RateLimit', false],
          ['Model.ServerError', false],
          ['Model.ServerError', false],
          ['Model.BadRequest', true],
          ['Model.Unauthorized', true],
          ['Model.NotFound', true],
          ['Model.Rejected', true],
        ]);
        server.assertDone();
      } finally {
        await server.close();
      }
    });

    test('a reply without choices → Model.BadReply (retryable); a reply that is not JSON → a retryable failure naming the parse error', async () => {
      let n = 0;
      const server = await rawServer((_req, res) => {
        n++;
        if (n === 1) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...completion('m'), choices: [] }));
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [');
      });
      try {
        const chat = make({ baseURL: `${server.url}/v1`, model: 'm' });
        const noChoices = await failureOf(chat(REQUEST));
        assert.deepEqual([noChoices.type, noChoices.nonRetryable, noChoices.message], ['Model.BadReply', false, 'model reply has no choices']);
        const notJson = await failureOf(chat(REQUEST));
        assert.deepEqual([notJson.type, notJson.nonRetryable], ['Model.Connection', false]);
        assert.match(notJson.message, /^model call failed: .*JSON/);
      } finally {
        await server.close();
      }
    });

    test('no answer within timeoutMs → Model.Timeout (retryable), and the request’s connection is closed', async () => {
      let closed!: () => void;
      const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
      const server = await rawServer((req) => req.socket.once('close', closed));
      try {
        const failure = await failureOf(make({ baseURL: `${server.url}/v1`, model: 'm', timeoutMs: 300 })(REQUEST));
        assert.deepEqual([failure.type, failure.nonRetryable, failure.message], ['Model.Timeout', false, `model request at ${server.url}/v1 timed out`]);
        await connectionClosed;
      } finally {
        await server.close();
      }
    });

    test('the caller’s signal aborts while the server holds the answer → the call rejects (retryable Model.Connection) and the connection is closed', async () => {
      let received!: () => void;
      const arrived = new Promise<void>((resolve) => (received = resolve));
      let closed!: () => void;
      const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
      const server = await rawServer((req) => {
        req.socket.once('close', closed);
        received();
      });
      try {
        const controller = new AbortController();
        const call = make({ baseURL: `${server.url}/v1`, model: 'm' })(REQUEST, controller.signal);
        await arrived;
        controller.abort();
        const failure = await failureOf(call);
        assert.deepEqual([failure.type, failure.nonRetryable, failure.message], ['Model.Connection', false, 'model call failed: Request was aborted.']);
        await connectionClosed;
      } finally {
        await server.close();
      }
    });

    test('a 307 redirect → followed with the same POST body; a 303 → followed as a GET', async () => {
      const seen: string[] = [];
      const server = await rawServer((req, res, body) => {
        seen.push(`${req.method} ${req.url} ${body.length > 0 ? 'body' : 'empty'}`);
        if (req.url === '/v1/chat/completions') res.writeHead(307, { location: '/v2/chat/completions' }).end();
        else if (req.url === '/v2/chat/completions') res.writeHead(303, { location: '/v3/answer' }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion('m')));
      });
      try {
        const reply = await make({ baseURL: `${server.url}/v1`, model: 'm' })(REQUEST);
        assert.equal(reply.message.content, 'done');
        assert.deepEqual(seen, ['POST /v1/chat/completions body', 'POST /v2/chat/completions body', 'GET /v3/answer empty']);
      } finally {
        await server.close();
      }
    });
  });
}

test('createChat: the headers arrive and then the body stalls → Model.Timeout within timeoutMs (the timeout covers the whole reply)', async () => {
  const server = await rawServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"id": "chatcmpl-1", ');
  });
  try {
    const failure = await failureOf(createChat({ baseURL: `${server.url}/v1`, model: 'm', timeoutMs: 300 })(REQUEST));
    assert.deepEqual([failure.type, failure.nonRetryable], ['Model.Timeout', false]);
  } finally {
    await server.close();
  }
});
