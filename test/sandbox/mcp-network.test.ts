import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { firstText, mcpKernel } from '../providers/mcp/mcp-fixture';

const NET_SERVER = path.join(repoRoot, 'dist', 'test', 'providers', 'mcp', 'net-server.fixture.js');

describe('MCP stdio server with network: proxy (real bubblewrap, loopback canaries)', () => {
  let server: http.Server;
  let port = 0;
  const seen: string[] = [];
  const resolver = (host: string): Promise<string[]> => Promise.resolve(host.endsWith('.test') ? ['127.0.0.1'] : []);

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
      res.end('MCP-CANARY');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const policy = (): string =>
    [
      'version: 1',
      'capabilities:',
      '  - { action: mcp.call, resource: "net/get" }',
      `  - { id: canary, action: net.http, resource: "http://allowed.test:${port}/**" }`,
      '',
    ].join('\n');

  test('mcp network: a server granted network: proxy → allowed URL answered, denied URL 403; one net.http record each naming the server, same exec_id', async () => {
    const k = mcpKernel(policy(), {
      servers: { net: { command: ['node', NET_SERVER], network: 'proxy' } },
      resolver,
      egress: { allowAddresses: ['127.0.0.1'] },
    });
    try {
      const before = seen.length;
      const ok = await k.kernel.submit({ action: 'mcp.call', target: 'net/get', params: { arguments: { url: `http://allowed.test:${port}/a` } } });
      const no = await k.kernel.submit({ action: 'mcp.call', target: 'net/get', params: { arguments: { url: `http://denied.test:${port}/b` } } });
      assert.equal(ok.status, 'OK', JSON.stringify(ok));
      assert.equal(firstText(ok.data), '200 MCP-CANARY');
      assert.match(firstText(no.data), /^403 /);
      assert.deepEqual(seen.slice(before), [`allowed.test:${port}/a`]);
      await k.close();
      const net = k.records().filter((x) => x['action'] === 'net.http');
      assert.deepEqual(
        net.map((x) => [x['status'], x['canonical_target']]),
        [
          ['OK', `http://allowed.test:${port}/a`],
          ['DENIED', `http://denied.test:${port}/b`],
        ],
      );
      assert.ok(net.every((x) => /a connection of mcp\.call net\)$/.test(String(x['reason']))));
      assert.equal(new Set(net.map((x) => x['exec_id'])).size, 1);
    } finally {
      await k.close();
    }
  });

  test('mcp network: the same server without network → no network at all (no proxy, the canary sees nothing)', async () => {
    const k = mcpKernel(policy(), { servers: { net: { command: ['node', NET_SERVER] } }, resolver, egress: { allowAddresses: ['127.0.0.1'] } });
    try {
      const before = seen.length;
      const r = await k.kernel.submit({ action: 'mcp.call', target: 'net/get', params: { arguments: { url: `http://127.0.0.1:${port}/direct` } } });
      assert.equal(r.status, 'OK', JSON.stringify(r));
      assert.match(firstText(r.data), /^error /);
      assert.equal(seen.length, before);
      await k.close();
      assert.deepEqual(
        k.records().filter((x) => x['action'] === 'net.http'),
        [],
      );
    } finally {
      await k.close();
    }
  });

  test('mcp network: network: proxy with sandbox: off → Mcp.InvalidConfig at construction', () => {
    assert.throws(() => mcpKernel(policy(), { servers: { net: { command: ['node', NET_SERVER], network: 'proxy', sandbox: 'off' } } }), {
      code: 'Mcp.InvalidConfig',
      message: /network apply only to a sandboxed server/,
    });
  });
});
