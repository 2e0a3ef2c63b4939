import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mcpKernel } from './mcp-fixture';

/**
 * A Streamable HTTP server that answers every tools/call with an event stream it never writes
 * to nor ends. The call times out, but the worker kept reading the stream — one socket and one
 * connection pool per call, for as long as the server liked — so a server could pile up open
 * connections in the worker call after call (red team 14). A response to a POST now lives at
 * most the longest request timeout plus the shutdown grace.
 */
test('mcp.call over HTTP: a tools/call answered by an event stream that never ends → Mcp.CallTimeout, and the worker closes that stream soon after', async () => {
  const closed: Promise<void>[] = [];
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const m = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } };
      const json = (result: unknown): void => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
      };
      if (m.method === 'initialize')
        json({ protocolVersion: m.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'hung', version: '1' } });
      else if (m.method === 'tools/list') json({ tools: [{ name: 'hang', inputSchema: { type: 'object' } }] });
      else if (m.method === 'tools/call') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        closed.push(new Promise<void>((resolve) => res.once('close', () => resolve())));
      } else res.writeHead(202).end(); // notifications
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const k = mcpKernel("capabilities:\n  - action: mcp.call\n    resource: 'hung/*'\n", {
    servers: { hung: { url, allowAddresses: ['127.0.0.1'] } },
    callTimeoutMs: 200,
    startupTimeoutMs: 1_000,
    shutdownTimeoutMs: 200,
  });
  try {
    const r = await k.kernel.submit({ action: 'mcp.call', target: 'hung/hang', params: { arguments: {} } });
    assert.deepEqual([r.status, r.code], ['ERROR', 'Mcp.CallTimeout'], r.error);
    assert.equal(closed.length, 1);
    // Bounded: 1.2 s is the stream's allowed life; 15 s means the worker never closed it.
    let bound: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      closed[0]!.then(() => 'closed by the worker'),
      new Promise<string>((resolve) => (bound = setTimeout(() => resolve('still open after 15 s'), 15_000))),
    ]);
    clearTimeout(bound);
    assert.equal(outcome, 'closed by the worker');
  } finally {
    await k.close();
    server.closeAllConnections();
    server.close();
  }
});
