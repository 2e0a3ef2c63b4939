import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentLoop } from '../../../src/client/agent-loop';
import { LoopMcpTools } from '../../../src/client/agent-loop-mcp';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../../src/dev/scripted-server';
import { Kernel } from '../../../src/kernel/kernel';
import { FilesystemProvider } from '../../../src/providers/filesystem';
import { McpProvider } from '../../../src/providers/mcp/provider';
import { ToolDef } from '../../../src/workflows/tool-defs';
import { activitySummaries } from '../../helpers/history';
import { temporal, workflowBundle } from '../../helpers/temporal';
import { readLog, tempDir, writePolicy } from '../../kernel/kernel-helpers';
import { EXAMPLE_SERVER, FILESYSTEM_SERVER } from './mcp-fixture';

/** The reference filesystem server in the sandbox: the workspace read-only, its output/ writable. */
function filesystemServer(ws: string): McpProvider {
  return new McpProvider({
    servers: {
      fs: {
        command: ['node', FILESYSTEM_SERVER, '/workspace'],
        mounts: [
          { agent: '/workspace', host: ws, readOnly: true },
          { agent: '/workspace/output', host: path.join(ws, 'output') },
        ],
      },
    },
  });
}

const FS_POLICY = `
capabilities:
  - id: read-workspace
    action: mcp.call
    resource: 'fs/{read_text_file,list_directory}'
    constraint:
      params:
        path: /workspace/**
  - id: write-output
    action: mcp.call
    resource: fs/write_file
    constraint:
      params:
        path: /workspace/output/**
`;

/** Reads data.csv, writes a report into output/, then tries to overwrite data.csv, then answers with what it read. */
function agent(request: ReceivedRequest, index: number): ScriptStep {
  const call = (name: string, args: Record<string, unknown>): ScriptStep => ({ reply: { toolCalls: [{ name, arguments: args }] } });
  if (index === 0) return call('fs__read_text_file', { path: '/workspace/data.csv' });
  if (index === 1) return call('fs__write_file', { path: '/workspace/output/report.md', content: '# Report\nada scored 3\n' });
  if (index === 2) return call('fs__write_file', { path: '/workspace/data.csv', content: 'hacked' });
  const read = request.messages.find((m) => m.role === 'tool')?.content ?? '';
  return { reply: { content: `done; read ${read.includes('ada,3') ? 'ada,3' : 'nothing'}` } };
}

describe('AgentLoop offers the MCP tools of its kernel', () => {
  test('AgentLoop with an McpProvider in the kernel: the model is offered server__tool for the tools the policy could allow, each call is an mcp.call the policy decides → file written in output/, data.csv unchanged, one audit record per call', async () => {
    const t = await temporal();
    const ws = tempDir('agent-os-mcp-loop-');
    fs.mkdirSync(path.join(ws, 'output'));
    fs.writeFileSync(path.join(ws, 'data.csv'), 'name,score\nada,3\n');
    const log = path.join(tempDir('agent-os-mcp-loop-log-'), 'kernel.log'); // outside the workspace the server serves
    const kernel = new Kernel({ policy: writePolicy(tempDir(), FS_POLICY), providers: [filesystemServer(ws)], logPath: log });
    const model = await ScriptedModelServer.start(agent);
    const saved = process.env['TEMPORAL_ADDRESS'];
    process.env['TEMPORAL_ADDRESS'] = t.address;
    const loop = new AgentLoop({
      kernel,
      model: 'scripted',
      modelConfig: { baseURL: model.baseURL, apiKey: 'test' },
      workflowBundle: await workflowBundle(),
      tools: [],
    });
    try {
      assert.equal(await loop.run('Summarise data.csv into output/report.md'), 'done; read ada,3');

      // Offered: exactly the tools some params could make allowed, with the server's schemas.
      const offered = (model.requests[0]?.tools ?? []).map((tool) => tool.function.name).sort();
      assert.deepEqual(offered, ['fs__list_directory', 'fs__read_text_file', 'fs__write_file']);
      assert.ok(
        loop.lastMcpTools?.skipped.some((s) => s.target === 'fs/move_file'),
        'a tool no rule could allow is left out',
      );
      const writeSchema = (model.requests[0]?.tools ?? []).find((tool) => tool.function.name === 'fs__write_file') as
        { function: { parameters?: { required?: string[] } } } | undefined;
      assert.deepEqual([...(writeSchema?.function.parameters?.required ?? [])].sort(), ['content', 'path'], "the server's input schema");

      // The side effects: the report is on disk, the denied overwrite changed nothing.
      assert.equal(fs.readFileSync(path.join(ws, 'output', 'report.md'), 'utf8'), '# Report\nada scored 3\n');
      assert.equal(fs.readFileSync(path.join(ws, 'data.csv'), 'utf8'), 'name,score\nada,3\n');

      // What the run reports, the audit log and the history agree.
      assert.deepEqual(
        loop.lastActions.map((a) => [a.tool, a.action, a.target, a.status]),
        [
          ['fs__read_text_file', 'mcp.call', 'fs/read_text_file', 'OK'],
          ['fs__write_file', 'mcp.call', 'fs/write_file', 'OK'],
          ['fs__write_file', 'mcp.call', 'fs/write_file', 'DENIED'],
        ],
      );
      assert.deepEqual(
        readLog(log).map((r) => [r['action'], r['canonical_target'], r['status'], r['rule_id'] ?? null]),
        [
          ['mcp.call', 'fs/read_text_file', 'OK', 'read-workspace'],
          ['mcp.call', 'fs/write_file', 'OK', 'write-output'],
          ['mcp.call', 'fs/write_file', 'DENIED', null],
        ],
      );
      const history = await t.client.workflow.getHandle(loop.lastWorkflowId as string).fetchHistory();
      const summaries = activitySummaries(history);
      assert.ok(
        summaries.some((s) => /^mcp\.call fs\/write_file → DENIED/.test(s)),
        summaries.join('\n'),
      );
    } finally {
      await loop.close();
      if (saved === undefined) delete process.env['TEMPORAL_ADDRESS'];
      else process.env['TEMPORAL_ADDRESS'] = saved;
      await model.close();
      await kernel.close();
    }
  });

  test('LoopMcpTools: a run policy narrows the offers, a loop tool keeps its name, a kernel without MCP offers nothing', async () => {
    const dir = tempDir('agent-os-mcp-loop-');
    const ceiling = "capabilities:\n  - action: mcp.call\n    resource: 'my_server/{echo,add}'\n";
    const kernel = new Kernel({
      policy: writePolicy(dir, ceiling),
      providers: [new McpProvider({ servers: { my_server: { command: ['node', EXAMPLE_SERVER] } } })],
    });
    try {
      const tools = new LoopMcpTools(kernel);
      const mine = new ToolDef({
        name: 'my_server__add',
        description: 'my own add',
        parameters: { type: 'object' },
        action: 'mcp.call',
        targetFrom: 'x',
        target: 'my_server/add',
        argumentsParam: 'arguments',
      });
      const all = await tools.forRun([mine], undefined);
      assert.deepEqual(
        all.tools.map((t) => [t.name, t.description === 'my own add' ? 'mine' : 'offer', t.target, t.argumentsParam]),
        [
          ['my_server__add', 'mine', 'my_server/add', 'arguments'],
          ['my_server__echo', 'offer', 'my_server/echo', 'arguments'],
        ],
      );
      assert.ok(all.mcp?.skipped.some((s) => s.target === 'my_server/add' && /own tool/.test(s.reason)));

      const narrowed = await tools.forRun([], 'capabilities:\n  - action: mcp.call\n    resource: my_server/add\n');
      assert.deepEqual(
        narrowed.tools.map((t) => t.name),
        ['my_server__add'],
        'echo is allowed by the ceiling but not by the run policy',
      );

      const plain = new Kernel({
        policy: writePolicy(dir, 'capabilities: []\n', 'plain.yaml'),
        providers: [new FilesystemProvider({ mounts: { '/workspace': dir } })],
      });
      assert.deepEqual(await new LoopMcpTools(plain).forRun([mine], undefined), { tools: [mine] });
      await plain.close();
    } finally {
      await kernel.close();
    }
  });

  test('LoopMcpTools: a server that cannot be listed → it offers nothing, failed names it, one AOK_MCP_TOOLS warning per loop', async () => {
    const dir = tempDir('agent-os-mcp-loop-');
    const kernel = new Kernel({
      policy: writePolicy(dir, "capabilities:\n  - action: mcp.call\n    resource: 'broken/*'\n"),
      // Sandboxed, with neither mounts nor a script file: refused at start (Mcp.InvalidConfig).
      providers: [new McpProvider({ servers: { broken: { command: ['node', path.join(dir, 'missing-server.js')] } } })],
    });
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => void (w.code === 'AOK_MCP_TOOLS' && warnings.push(w.message));
    process.on('warning', onWarning);
    try {
      const tools = new LoopMcpTools(kernel);
      const first = await tools.forRun([], undefined);
      const second = await tools.forRun([], undefined);
      assert.deepEqual(first.tools, []);
      assert.deepEqual(
        first.mcp?.failed.map((f) => f.server),
        ['broken'],
      );
      assert.deepEqual(
        second.mcp?.failed.map((f) => f.server),
        ['broken'],
      );
      await new Promise((resolve) => setImmediate(resolve)); // process.emitWarning emits on the next tick
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /MCP server "broken": Mcp\.InvalidConfig/);
    } finally {
      process.off('warning', onWarning);
      await kernel.close();
    }
  });
});
