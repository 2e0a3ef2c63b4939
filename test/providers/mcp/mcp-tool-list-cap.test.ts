import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../kernel/kernel-helpers';
import { mcpKernel } from './mcp-fixture';

/**
 * A server whose tool list never ends: every page carries one tool with a 300 kB description
 * and a next cursor. Each page is under the per-message cap, but the provider collected up
 * to 100 of them — for every call, since the list is fetched again before each — so a server
 * could hold a hundred times `maxMessageBytes` (8 MiB by default: 800 MB of JSON, several GB
 * once parsed) in the worker's memory (red team 14). The whole list now counts against the cap.
 */
const SERVER = [
  "const fs = require('fs');",
  "const rl = require('readline').createInterface({ input: process.stdin });",
  "const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');",
  'let pages = 0;',
  "rl.on('line', (line) => {",
  '  const m = JSON.parse(line);',
  "  if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'endless', version: '1' } } });",
  "  else if (m.method === 'tools/list') {",
  '    pages++;',
  "    fs.writeFileSync('/markers/pages', String(pages));",
  "    send({ jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 't' + pages, description: 'x'.repeat(300000), inputSchema: { type: 'object' } }], nextCursor: 'p' + pages } });",
  '  }',
  "  else if (m.method === 'tools/call') send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'called' }] } });",
  '});',
].join('\n');

test('mcp.call: a tool list whose pages never end → ERROR Mcp.ToolListTooLarge once the whole list passes maxMessageBytes, the call never made, one record (red team 14)', async () => {
  const markers = tempDir('agent-os-mcp-pages-');
  const k = mcpKernel("capabilities:\n  - action: mcp.call\n    resource: 'endless/*'\n", {
    servers: { endless: { command: ['node', '-e', SERVER], mounts: [{ agent: '/markers', host: markers }] } },
    maxMessageBytes: 1024 * 1024,
    startupTimeoutMs: 5_000,
  });
  try {
    const r = await k.kernel.submit({ action: 'mcp.call', target: 'endless/t1', params: { arguments: {} } });
    assert.deepEqual([r.status, r.code], ['ERROR', 'Mcp.ToolListTooLarge'], r.error);
    const pages = Number(fs.readFileSync(path.join(markers, 'pages'), 'utf8'));
    assert.ok(pages <= 4, `the provider asked for ${pages} pages of 300 kB with a 1 MiB cap`);
    assert.equal(k.records().length, 1);
  } finally {
    await k.close();
  }
});
