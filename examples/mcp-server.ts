/**
 * A small MCP server built with the official SDK, for the quickstart and the tests.
 *
 *   node dist/examples/mcp-server.js            # stdio
 *   node dist/examples/mcp-server.js --http     # Streamable HTTP on 127.0.0.1, prints "listening <port>"
 *
 * Tools: `echo` (text back), `add` (a + b, also as structured content), `fail` (a tool error,
 * `isError: true`), `big` (a text of `chars` characters), `env` (the names of the environment
 * variables it sees), `whoami` (HTTP: the Authorization header it received), and `wait`
 * (never answers; when the client cancels it, writes `cancelled-<id>` into $MCP_MARKER_DIR).
 * `ECHO_DESCRIPTION` replaces echo's description (to play a server that changes a tool).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object' as const,
  properties,
  required,
  additionalProperties: false,
});

const TOOLS = [
  { name: 'echo', description: process.env['ECHO_DESCRIPTION'] ?? 'Echo the text back.', inputSchema: object({ text: { type: 'string' } }, ['text']) },
  { name: 'add', description: 'Add two numbers.', inputSchema: object({ a: { type: 'number' }, b: { type: 'number' } }, ['a', 'b']) },
  { name: 'fail', description: 'Always reports a tool error.', inputSchema: object({}) },
  { name: 'big', description: 'Return a text of the given length.', inputSchema: object({ chars: { type: 'integer', minimum: 0 } }, ['chars']) },
  { name: 'env', description: 'List the names of the environment variables the server sees.', inputSchema: object({}) },
  { name: 'whoami', description: 'Return the Authorization header of the HTTP request.', inputSchema: object({}) },
  { name: 'wait', description: 'Wait until cancelled.', inputSchema: object({ id: { type: 'string' } }) },
];

const text = (t: string, isError = false): CallToolResult => ({ content: [{ type: 'text', text: t }], ...(isError ? { isError } : {}) });

function build(headers: http.IncomingHttpHeaders = {}): Server {
  const server = new Server({ name: 'agent-os-example', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    switch (request.params.name) {
      case 'echo':
        return text(String(args['text']));
      case 'add': {
        const sum = Number(args['a']) + Number(args['b']);
        return { ...text(String(sum)), structuredContent: { sum } };
      }
      case 'fail':
        return text('this tool always fails', true);
      case 'big':
        return text('x'.repeat(Number(args['chars'])));
      case 'env':
        return text(Object.keys(process.env).sort().join(','));
      case 'whoami':
        return text(String(headers['authorization'] ?? '(none)'));
      case 'wait':
        return new Promise<CallToolResult>((resolve) => {
          extra.signal.addEventListener('abort', () => {
            const dir = process.env['MCP_MARKER_DIR'];
            if (dir !== undefined) fs.writeFileSync(path.join(dir, `cancelled-${String(args['id'] ?? 'x')}`), 'cancelled\n');
            resolve(text('cancelled'));
          });
        });
      default:
        return text(`unknown tool ${request.params.name}`, true);
    }
  });
  return server;
}

async function main(): Promise<void> {
  if (!process.argv.includes('--http')) {
    await build().connect(new StdioServerTransport());
    return;
  }
  const httpServer = http.createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(307, { location: 'http://169.254.169.254/mcp' }).end();
      return;
    }
    // Stateless: one server and transport per request.
    const transport = new StreamableHTTPServerTransport({}); // no sessionIdGenerator: stateless;
    const server = build(req.headers);
    res.on('close', () => void transport.close().then(() => server.close()));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  httpServer.listen(0, '127.0.0.1', () => {
    const address = httpServer.address();
    process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
}

void main();
