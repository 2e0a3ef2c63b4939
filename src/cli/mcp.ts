/**
 * `agent-os mcp list --servers FILE --policy FILE [--pins FILE] [--approve SERVER]…`: every
 * configured MCP server with its tools, the pin of its tool list, and what the policy could
 * allow (`offered` = some rule could allow it, so a model is offered the tool; `never` = no
 * rule can). Starting the servers is part of listing them. `--approve SERVER` records the
 * server's current tool list as its pin (an operator's re-approval after `Mcp.PinMismatch`).
 * Exit codes: 0 listed; 1 a server failed (start-up, pin mismatch); 2 unreadable input.
 */
import type { Command } from 'commander';
import { compilePolicy, type CompiledPolicy } from '../policy/compile';
import { couldAllow } from '../policy/could-allow';
import { loadPolicyFile } from '../policy/load';
import { McpProvider } from '../providers/mcp/provider';
import { loadServersFile } from '../providers/mcp/servers-file';
import { ExitCode, OutputFormat, withOutputOption } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { printable } from './printable';

interface ListOptions {
  readonly servers: string;
  readonly policy: string;
  readonly pins?: string;
  readonly approve?: string[];
  readonly output: OutputFormat;
  readonly json?: boolean;
}

/** One tool in the listing. */
export interface McpToolRow {
  readonly server: string;
  readonly tool: string;
  /** The model tool name (`server__tool`). */
  readonly name: string;
  readonly policy: 'offered' | 'never';
  readonly description: string;
}

/** One server in the listing. */
export interface McpServerRow {
  readonly server: string;
  readonly transport: 'stdio' | 'http';
  readonly ok: boolean;
  readonly pin?: string;
  readonly pinnedAt?: string;
  readonly approved?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly tools: readonly McpToolRow[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

async function list(io: CliIo, options: ListOptions): Promise<number> {
  const format = options.json === true ? OutputFormat.Json : options.output;
  let policy: CompiledPolicy;
  let provider: McpProvider;
  try {
    const file = loadServersFile(options.servers);
    policy = compilePolicy(loadPolicyFile(options.policy));
    const pinsFile = options.pins ?? file.pinsFile;
    provider = new McpProvider({ servers: file.servers, ...(pinsFile === undefined ? {} : { pinsFile }) });
    const unknown = (options.approve ?? []).filter((s) => !(s in file.servers));
    if (unknown.length > 0) throw new Error(`--approve names no configured server: ${unknown.join(', ')}`);
  } catch (err) {
    io.err(`agent-os mcp list: ${err instanceof Error ? err.message : String(err)}\n  fix the file and run again\n`);
    return ExitCode.Usage;
  }
  const rows: McpServerRow[] = [];
  try {
    const file = loadServersFile(options.servers);
    for (const server of provider.servers) {
      const transport = 'command' in (file.servers[server] ?? {}) ? 'stdio' : 'http';
      const approve = options.approve?.includes(server) === true;
      try {
        const listed = approve ? await provider.approveTools(server) : await provider.listTools(server);
        const pinnedAt = provider.pins.get(server)?.pinnedAt;
        rows.push({
          server,
          transport,
          ok: true,
          pin: listed.pin,
          ...(approve ? { approved: true } : {}),
          ...(pinnedAt === undefined ? {} : { pinnedAt }),
          tools: listed.tools.map((t) => ({
            server,
            tool: t.name,
            name: `${server}__${t.name}`,
            description: t.description ?? '',
            policy: couldAllow(policy, 'mcp.call', `${server}/${t.name}`) ? 'offered' : 'never',
          })),
        });
      } catch (err) {
        const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'Error';
        rows.push({ server, transport, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) }, tools: [] });
      }
    }
  } finally {
    await provider.close();
  }
  if (format === OutputFormat.Json) io.out(`${JSON.stringify(rows)}\n`);
  else if (format === OutputFormat.Jsonl) for (const r of rows) io.out(`${JSON.stringify(r)}\n`);
  else io.out(rows.map(text).join('\n'));
  return rows.every((r) => r.ok) ? ExitCode.Ok : ExitCode.Failure;
}

/** A server's rows as text; tool names and errors are the server's words: escaped (printable.ts). */
function text(r: McpServerRow): string {
  if (!r.ok) return `${printable(`${r.server} (${r.transport})  FAILED ${r.error?.code}: ${r.error?.message}`)}\n`;
  const head = `${r.server} (${r.transport})  pin ${r.pin?.slice(0, 16)}…${r.approved ? '  (approved now)' : r.pinnedAt ? `  pinned ${r.pinnedAt}` : ''}\n`;
  const width = Math.max(0, ...r.tools.map((t) => printable(t.tool).length));
  return (
    head +
    r.tools
      .map((t) => `  ${printable(`${printable(t.tool).padEnd(width)}  ${t.policy === 'offered' ? 'offered as ' + t.name : 'never allowed by the policy'}`)}\n`)
      .join('')
  );
}

/** Registers `agent-os mcp list`. @public main.ts loads it by name. */
export function registerMcpCommand(program: Command, io: CliIo = processIo): void {
  const mcp = program.command('mcp').description('MCP servers: their tools, pins and what the policy allows');
  withOutputOption(
    mcp
      .command('list')
      .description('list configured MCP servers, their tools, pins and what the policy could allow')
      .requiredOption('--servers <file>', 'MCP servers file (YAML or JSON)')
      .requiredOption('--policy <file>', 'the policy YAML the tools are judged by')
      .option('--pins <file>', "pin file (default: the servers file's `pins`, else pins are not kept)")
      .option('--approve <server>', "re-approve the server's current tool list as its pin (repeatable)", collect)
      .option('--json', 'same as -o json'),
  ).action(async (options: ListOptions) => {
    io.setExitCode(await list(io, options));
  });
}
