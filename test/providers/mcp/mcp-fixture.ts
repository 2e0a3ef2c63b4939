/** Shared set-up of the MCP tests: the example server, kernels over an McpProvider, an HTTP server on loopback. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Kernel } from '../../../src/kernel/kernel';
import { McpProvider, type McpProviderOptions } from '../../../src/providers/mcp/index';
import { repoRoot } from '../../helpers/paths';
import { readLog, tempDir, writePolicy } from '../../kernel/kernel-helpers';

/** The example server of examples/mcp-server.ts, compiled. */
export const EXAMPLE_SERVER = path.join(repoRoot, 'dist', 'examples', 'mcp-server.js');
/** The reference servers, run with node from node_modules (never downloaded at test time). */
export const EVERYTHING_SERVER = path.join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const FILESYSTEM_SERVER = path.join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');

/** A kernel with one McpProvider, its log, and a way to close both. */
export interface McpKernel {
  readonly kernel: Kernel;
  readonly mcp: McpProvider;
  readonly dir: string;
  readonly log: string;
  records(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Builds a kernel with `policy` (YAML) over an McpProvider with `options`. */
export function mcpKernel(policy: string, options: McpProviderOptions, kernelOptions: { timeoutMs?: number; dir?: string } = {}): McpKernel {
  const dir = kernelOptions.dir ?? tempDir('agent-os-mcp-');
  const log = path.join(dir, `kernel-${Math.random().toString(36).slice(2)}.log`);
  const mcp = new McpProvider(options);
  const kernel = new Kernel({
    policy: writePolicy(dir, policy, `policy-${Math.random().toString(36).slice(2)}.yaml`),
    providers: [mcp],
    logPath: log,
    ...(kernelOptions.timeoutMs ? { timeoutMs: kernelOptions.timeoutMs } : {}),
  });
  return { kernel, mcp, dir, log, records: () => readLog(log), close: () => kernel.close() };
}

/** The text of the first content item of an MCP result. */
export function firstText(data: unknown): string {
  const content = (data as { content?: { text?: unknown }[] } | undefined)?.content ?? [];
  return String(content[0]?.text);
}

/** The example server over Streamable HTTP on 127.0.0.1; resolves once it listens. */
export async function startHttpServer(): Promise<{ readonly url: string; readonly child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [EXAMPLE_SERVER, '--http'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the HTTP example server exited (${code})`)));
    lines.once('line', (line) => resolve(line.replace('listening ', '')));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
