/**
 * A stdio MCP server for the egress tests: its one tool `get` fetches a plain-HTTP URL through
 * the proxy named by HTTP_PROXY (an absolute-form request, as curl sends it) and returns the
 * status and body; without HTTP_PROXY it connects to the URL's host directly.
 */
import * as http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

function get(url: string): Promise<string> {
  const proxy = process.env['HTTP_PROXY'];
  const target = new URL(url);
  const via = proxy === undefined ? target : new URL(proxy);
  return new Promise((resolve) => {
    const req = http.request(
      { host: via.hostname, port: via.port, path: proxy === undefined ? target.pathname : url, headers: { host: target.host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(`${res.statusCode ?? 0} ${body}`));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
    req.end();
  });
}

const server = new Server({ name: 'agent-os-net-fixture', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [{ name: 'get', description: 'GET a URL.', inputSchema: { type: 'object' as const, properties: { url: { type: 'string' } }, required: ['url'] } }],
}));
server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
  const url = String((request.params.arguments ?? {})['url']);
  return { content: [{ type: 'text', text: await get(url) }] };
});
void server.connect(new StdioServerTransport());
