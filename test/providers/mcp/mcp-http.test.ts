import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstText, mcpKernel, startHttpServer } from './mcp-fixture';

const POLICY = "capabilities:\n  - action: mcp.call\n    resource: 'web/*'\n";
const TOKEN = 'Bearer mcp-s3cret-token';

describe('McpProvider over Streamable HTTP (the example server on loopback)', () => {
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  before(async () => {
    server = await startHttpServer();
  });
  after(() => server.stop());

  test('mcp.call over HTTP: allowed address and a worker credential → OK; the server got the credential, the agent and the log never see it', async () => {
    const k = mcpKernel(POLICY, {
      servers: { web: { url: `${server.url}/mcp`, allowAddresses: ['127.0.0.1'], credentials: [{ header: 'Authorization', valueFromEnv: 'WEB_TOKEN' }] } },
      env: { WEB_TOKEN: TOKEN },
    });
    try {
      const echo = await k.kernel.submit({ action: 'mcp.call', target: 'web/echo', params: { arguments: { text: 'over http' } } });
      assert.equal(echo.status, 'OK', echo.error);
      assert.equal(firstText(echo.data), 'over http');
      // The server echoes the Authorization header it received: it was the credential, redacted on the way back.
      const who = await k.kernel.submit({ action: 'mcp.call', target: 'web/whoami', params: { arguments: {} } });
      assert.equal(who.status, 'OK');
      assert.equal(firstText(who.data), '[REDACTED]');
      assert.ok(!JSON.stringify(who).includes('s3cret'));
      await k.close();
      assert.ok(!fs.readFileSync(k.log, 'utf8').includes('s3cret'));
      assert.equal(k.records().length, 2);
    } finally {
      await k.close();
    }
  });

  test('mcp.call over HTTP: an error reply that echoes the credential across the 300-character cut of its message → no prefix of it reaches the agent or the log (red team)', async () => {
    const secret = 'ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    // The SDK's message starts with its own words, then the body; the body places the token so
    // that only its last character falls after the cut (the red team's exact spot), and a bit
    // before and after it too, one reply each.
    const sdkPrefix = 'Streamable HTTP error: Error POSTing to endpoint: ';
    let shift = 0;
    const srv = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const token = (req.headers.authorization ?? '').split(' ')[1] ?? '';
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('x'.repeat(Math.max(0, 300 - sdkPrefix.length - (token.length - 1) + shift)) + token);
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`;
    const k = mcpKernel(POLICY, {
      servers: { web: { url, allowAddresses: ['127.0.0.1'], credentials: [{ header: 'Authorization', valueFromEnv: 'WEB_TOKEN' }] } },
      env: { WEB_TOKEN: `Bearer ${secret}` },
    });
    try {
      for (shift of [0, -5, 5, -20]) {
        const r = await k.kernel.submit({ action: 'mcp.call', target: 'web/echo', params: { arguments: {} } });
        assert.equal(r.status, 'ERROR');
        assert.ok(!(r.error ?? '').includes(secret.slice(0, 12)), `shift ${shift}: ${r.error ?? ''}`);
      }
      await k.close();
      assert.ok(!fs.readFileSync(k.log, 'utf8').includes(secret.slice(0, 12)), 'the audit log holds a prefix of the credential');
    } finally {
      await k.close();
      srv.close();
    }
  });

  test("mcp.call over HTTP: a server's error text (which may echo arguments or file contents) → the agent reads it, the audit log keeps only its length and hash (red team)", async () => {
    const srv = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('SERVER-WORDS: /etc/shadow root:$6$hash; args={"x":"PARAM-VALUE"}');
      });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const k = mcpKernel(POLICY, { servers: { web: { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`, allowAddresses: ['127.0.0.1'] } } });
    try {
      const r = await k.kernel.submit({ action: 'mcp.call', target: 'web/echo', params: { arguments: { x: 'PARAM-VALUE' } } });
      assert.deepEqual([r.status, r.code], ['ERROR', 'Mcp.StartFailed']);
      assert.match(r.error ?? '', /SERVER-WORDS/, 'the agent reads what the server said');
      await k.close();
      const records = k.records();
      assert.equal(records.length, 1);
      const logged = JSON.stringify(records[0]);
      assert.doesNotMatch(logged, /SERVER-WORDS|PARAM-VALUE|shadow/, logged);
      assert.match(
        String(records[0]?.['error']),
        /^MCP server "web" could not be started: server text withheld from the log \(\d+ characters, sha256 [0-9a-f]{16}\)$/,
      );
    } finally {
      await k.close();
      srv.close();
    }
  });

  test('mcp.call over HTTP: a loopback server the operator did not allow → ERROR Provider.AddressRefused (the HTTP guard), one record', async () => {
    const k = mcpKernel(POLICY, { servers: { web: { url: `${server.url}/mcp` } } });
    try {
      const r = await k.kernel.submit({ action: 'mcp.call', target: 'web/echo', params: { arguments: { text: 'x' } } });
      assert.deepEqual([r.status, r.code], ['ERROR', 'Provider.AddressRefused']);
      assert.equal(k.records().length, 1);
    } finally {
      await k.close();
    }
  });

  test('mcp.call over HTTP: a redirect (to the metadata address) → ERROR Mcp.RedirectRefused, never followed', async () => {
    const k = mcpKernel(POLICY, { servers: { web: { url: `${server.url}/redirect`, allowAddresses: ['127.0.0.1'] } } });
    try {
      const r = await k.kernel.submit({ action: 'mcp.call', target: 'web/echo', params: { arguments: { text: 'x' } } });
      assert.deepEqual([r.status, r.code], ['ERROR', 'Mcp.RedirectRefused']);
    } finally {
      await k.close();
    }
  });
});
