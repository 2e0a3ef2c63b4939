import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
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
