/** A raw OpenAI-compatible endpoint for tests of what `createChat` makes of odd replies. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly messages: Array<{ role: string; tool_call_id?: string; tool_calls?: unknown[] }>;
}

/** An endpoint that answers every request with `toolCalls` and keeps the request bodies. */
export async function withRawModel<T>(toolCalls: unknown[], fn: (baseURL: string, received: Received[]) => Promise<T>): Promise<T> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received);
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
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, received);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
