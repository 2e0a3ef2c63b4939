/**
 * The seed's quickstart (kernel and reversible parts), 1:1 in TypeScript.
 *
 *   node dist/examples/quickstart.js [DIR]
 *
 * Works in DIR (default: a fresh temp folder): writes policy.yaml (the seed's policy),
 * creates a workspace with data.csv and output/report.md mounted at /workspace, runs the two
 * submits, then writes report.md through the reversible layer and rolls it back, and
 * leaves kernel.log and .snapshots there. Prints: OK, the file contents, DENIED,
 * not permitted, the record id, OK. Then MCP tools under the same policy: an MCP server
 * (examples/mcp-server.ts) started by `McpProvider`, one allowed `mcp.call` (OK and its
 * answer) and one the policy does not grant (DENIED).
 *
 * Then the agent loop: an AgentLoop with a read_file tool reads data.csv and prints the
 * model's answer. The run is a Temporal workflow on the server in TEMPORAL_ADDRESS, or on
 * an embedded dev server started and stopped for it. The model is the one configured by
 * OPENAI_BASE_URL / OPENAI_API_KEY, or — without them — a scripted stand-in on loopback.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AgentLoop,
  ToolDef,
  FilesystemProvider,
  ProcessProvider,
  FsDeleteSnapshotStrategy,
  FsWriteSnapshotStrategy,
  Kernel,
  McpProvider,
  ReversibleActionLayer,
  SnapshotStore,
  type ActionRequest,
} from 'agent-os-kernel';
import { hasModelEndpoint } from 'agent-os-kernel/temporal';
import { ScriptedModelServer } from 'agent-os-kernel/dev';

// 1. Define a policy (the seed's policy.yaml, verbatim).
const POLICY_YAML = `capabilities:
  - action: fs.read
    resource: /workspace/**

  - action: fs.write
    resource: /workspace/output/**

  - action: proc.exec
    resource: git

  - action: net.http
    resource: https://api.example.com/**
    constraint:
      method: GET
`;

async function main(): Promise<void> {
  const dir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-quickstart-'));
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'data.csv'), 'name,score\nada,3\ngrace,5\n');
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'output', 'report.md'), '# Report\n\noriginal content\n');
  fs.writeFileSync(path.join(dir, 'policy.yaml'), POLICY_YAML);
  process.chdir(dir);

  // 2. Create and use the kernel.
  // Initialize kernel with policy and providers
  const kernel = new Kernel({
    policy: 'policy.yaml',
    providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } }), new ProcessProvider({ mounts: { '/workspace': workspace } })],
    logPath: 'kernel.log',
  });

  // Submit an action — this one is allowed
  let result = await kernel.submit({
    action: 'fs.read',
    target: '/workspace/data.csv',
  } satisfies ActionRequest);
  console.log(result.status); // "OK"
  console.log(result.data); // file contents

  // Submit an action — this one is denied by policy
  result = await kernel.submit({
    action: 'fs.write',
    target: '/etc/passwd',
    params: { content: 'hacked' },
  } satisfies ActionRequest);
  console.log(result.status); // "DENIED"
  console.log(result.error); // "not permitted"

  // Using the reversible action layer.
  // Wrap the kernel with the reversible layer
  const layer = new ReversibleActionLayer({
    kernel,
    strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
    store: new SnapshotStore('.snapshots'),
  });

  // Write through the layer — snapshot is captured automatically
  result = await layer.submit({
    action: 'fs.write',
    target: '/workspace/output/report.md',
    params: { content: 'new content' },
  } satisfies ActionRequest);
  console.log(result.recordId); // e.g. "a1b2c3d4..."

  // Roll back if needed
  const rollbackResult = await layer.rollback(result.recordId as string);
  console.log(rollbackResult.status); // "OK" — original content restored

  await kernel.close();

  await mcpTools();

  await agentLoop(workspace);
}

// MCP: the original's McpProvider shape; `mcp.call` on `server/tool`, decided by the same kind of policy.
const MCP_POLICY_YAML = `capabilities:
  - action: mcp.call
    resource: my_server/echo
`;

async function mcpTools(): Promise<void> {
  fs.writeFileSync('mcp-policy.yaml', MCP_POLICY_YAML);
  const kernel = new Kernel({
    policy: 'mcp-policy.yaml',
    providers: [new McpProvider({ servers: { my_server: { command: ['node', path.join(__dirname, 'mcp-server.js')] } } })],
    logPath: 'kernel.log',
  });

  // Call a tool of the server — allowed
  let result = await kernel.submit({ action: 'mcp.call', target: 'my_server/echo', params: { arguments: { text: 'hello from MCP' } } });
  console.log(result.status); // "OK"
  console.log((result.data as { content: { text: string }[] }).content[0]?.text); // "hello from MCP"

  // Another tool of the same server — no capability grants it
  result = await kernel.submit({ action: 'mcp.call', target: 'my_server/add', params: { arguments: { a: 1, b: 2 } } });
  console.log(result.status); // "DENIED"

  await kernel.close(); // also stops the server
}

// Agent loop: AgentLoop makes kernel.submit() the sole execution path; ToolDef is pure metadata.
async function agentLoop(workspace: string): Promise<void> {
  const scripted = hasModelEndpoint() ? undefined : await ScriptedModelServer.start(readThenAnswer);
  const kernel = new Kernel({
    policy: 'policy.yaml',
    providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })],
  });

  // Define a tool (pure metadata — no execution logic)
  const readFile = new ToolDef({
    name: 'read_file',
    description: 'Read a file from the workspace.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'File path' } },
      required: ['path'],
    },
    action: 'fs.read',
    targetFrom: 'path',
  });

  // Create and run an agent loop
  const loop = new AgentLoop({
    kernel,
    model: scripted ? 'scripted' : (process.env['AGENT_OS_MODEL'] ?? 'gpt-4o'), // any OpenAI-compatible model
    instructions: 'You are a helpful assistant with access to workspace files.',
    tools: [readFile],
    ...(scripted ? { modelConfig: { baseURL: scripted.baseURL, apiKey: 'scripted' } } : {}),
  });

  try {
    const output = await loop.run('Read the file /workspace/data.csv');
    console.log(output);
  } finally {
    await loop.close(); // stops the worker (and the embedded dev server) the loop started
    await scripted?.close();
    await kernel.close();
  }
}

/** The scripted stand-in for a model: calls read_file, then answers with what it read. */
function readThenAnswer(request: { messages: ReadonlyArray<{ role: string; content?: string | null }> }) {
  const tool = request.messages.find((m) => m.role === 'tool');
  if (tool === undefined) return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
  const result = JSON.parse(tool.content ?? '{}') as { status?: string; data?: string };
  return {
    reply: {
      content: `data.csv (${result.status}): ${String(result.data).trim().split('\n').length - 1} rows — ${String(result.data).trim().split('\n').slice(1).join('; ')}`,
    },
  };
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
