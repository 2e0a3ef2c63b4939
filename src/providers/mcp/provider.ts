/**
 * `McpProvider` executes `mcp.call` on MCP servers (stdio programs and Streamable HTTP
 * endpoints), with the original library's shape:
 *
 * ```ts
 * const mcp = new McpProvider({ servers: { my_server: { command: ['node', 'server.js'] } } });
 * await kernel.submit({ action: 'mcp.call', target: 'my_server/some_tool', params: { arguments: { … } } });
 * ```
 *
 * One call, in order: the kernel's policy decision on `server/tool` (and on the arguments, with a
 * `params` constraint) → start the server if needed (start-up timeout) → list its tools and
 * check the list against its pin (pins.ts) → the tool must exist → the arguments must match its
 * input schema (ajv) → the call (call timeout; the kernel's abort sends the cancel
 * notification) → the result capped (output.ts). A tool error (`isError`) is an OK result
 * whose `data.isError` is true — the model reads it; protocol failures are typed `Mcp.*` errors.
 */
import type { ValidateFunction } from 'ajv';
import { ajvClass } from '../../ajv-lazy';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { assertKernelGrant } from '../../kernel/grant';
import { withMeta, type ProviderOutput } from '../../kernel/provider-output';
import type { ActionRequest, ExecutionContext, Provider, ProviderHooks, ResolvedRequest } from '../../kernel/types';
import { canonicalMcpTarget } from '../../policy/canonical-mcp';
import { canonicalizeRequest } from '../../policy/canonical';
import { withoutRegExps } from '../../schema-regex';
import { systemResolver, type Resolver } from '../http-connect';
import { CredentialStore } from '../secrets';
import { countOption } from '../count-option';
import { unknownOptionKey, unknownOptionProblem } from '../option-keys';
import { InvalidParamsError } from '../errors';
import { probeSandbox } from '../sandbox/probe';
import { checkServers, isStdioServer, McpSandbox, type McpServerConfig } from './config';
import { McpInvalidArgumentsError, McpUnknownServerError, McpUnknownToolError } from './errors';
import type { Launcher } from './launch';
import { capResult } from './output';
import { McpPinStore } from './pins';
import type { McpSession, ListedTools } from './session';
import { sessionModule } from './session-lazy';

/** Construction options of {@link McpProvider}. */
export interface McpProviderOptions {
  /** Server name → server. Names are the first part of `mcp.call` targets. */
  readonly servers: Readonly<Record<string, McpServerConfig>>;
  /** Start-up (spawn/connect + handshake + tool list) limit, ms (default 10 000). */
  readonly startupTimeoutMs?: number;
  /** Per-call limit, ms (default 60 000; the kernel's own timeout also applies). */
  readonly callTimeoutMs?: number;
  /** Shutdown grace: after closing stdin, and again after SIGTERM, ms (default 2 000). */
  readonly shutdownTimeoutMs?: number;
  /** Characters of result text that reach the model and the history (default 16 000). */
  readonly maxOutputChars?: number;
  /** Largest single message accepted from a server, bytes (default 8 MiB). */
  readonly maxMessageBytes?: number;
  /** JSON file of tool-list pins (default: in memory, pinned at first use per provider). */
  readonly pinsFile?: string;
  /**
   * Rewrites a stdio server's launch spec (launch.ts) before it runs — by default the spec
   * already runs in the process sandbox (unless the server says `sandbox: 'off'`).
   */
  readonly launch?: Launcher;
  /** bubblewrap to use for sandboxed servers (default: looked up in the system folders, never the PATH). */
  readonly bwrapPath?: string;
  /** Environment the allow-lists and credentials read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Host → addresses for HTTP servers and for the egress proxy of `network: proxy` servers (default: the system resolver). */
  readonly resolver?: Resolver;
  /**
   * The egress proxy of stdio servers with `network: proxy`: non-public addresses that may be
   * reached anyway (e.g. `['127.0.0.1']`) and the connect timeout (default 10 000 ms).
   */
  readonly egress?: { readonly allowAddresses?: readonly string[]; readonly connectTimeoutMs?: number };
}

const MCP_OPTIONS: readonly string[] = [
  'servers',
  'startupTimeoutMs',
  'callTimeoutMs',
  'shutdownTimeoutMs',
  'maxOutputChars',
  'maxMessageBytes',
  'pinsFile',
  'launch',
  'bwrapPath',
  'env',
  'resolver',
  'egress',
];

/** Count options and their least value. */
const LIMITS = [
  ['startupTimeoutMs', 1],
  ['callTimeoutMs', 1],
  ['shutdownTimeoutMs', 0],
  ['maxOutputChars', 0],
  ['maxMessageBytes', 1],
] as const;

/** The MCP provider (`mcp.call`). */
export class McpProvider implements Provider {
  readonly name = 'mcp';
  readonly actions = ['mcp.call'] as const;
  /** Where pins are recorded. */
  readonly pins: McpPinStore;
  private readonly sessions = new Map<string, McpSession>();
  private readonly callTimeoutMs: number;
  private readonly maxOutputChars: number;
  private readonly credentials = new Map<string, CredentialStore>();
  /** Compiled input schemas by their JSON text (bounded: cleared when it grows past 256). */
  private readonly validators = new Map<string, ValidateFunction>();
  private hooks: ProviderHooks | undefined;

  /** @throws McpConfigError for a malformed server map; CredentialMissingError for an unset credential variable; InvalidParamsError for a limit that is not a whole number. */
  constructor(options: McpProviderOptions) {
    const unknown = unknownOptionKey(options, MCP_OPTIONS);
    if (unknown !== undefined) throw new InvalidParamsError(unknown.slice(0, 64), unknownOptionProblem('McpProvider', MCP_OPTIONS));
    checkServers(options.servers);
    // NaN would be no limit (every `size > cap` false): refused, as the other providers' limits (red team 15).
    for (const [name, min] of LIMITS) {
      if (countOption(options[name], 0, min) === undefined) {
        throw new InvalidParamsError(name, `an McpProvider option: a whole number ≥ ${min}, got ${String(options[name])}`);
      }
    }
    const env = options.env ?? process.env;
    this.pins = new McpPinStore(options.pinsFile);
    this.callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.maxOutputChars = options.maxOutputChars ?? 16_000;
    for (const [name, config] of Object.entries(options.servers)) {
      if (isStdioServer(config)) warnAboutConfinement(name, config.sandbox ?? McpSandbox.Bwrap, options.bwrapPath);
      const credentials = isStdioServer(config)
        ? new CredentialStore([], env)
        : new CredentialStore(
            (config.credentials ?? []).map((c) => ({ ...c, match: `${new URL(config.url).origin}/**` })),
            env,
          );
      this.credentials.set(name, credentials);
      this.sessions.set(
        name,
        new (sessionModule().McpSession)(name, config, {
          startupTimeoutMs: options.startupTimeoutMs ?? 10_000,
          shutdownTimeoutMs: options.shutdownTimeoutMs ?? 2_000,
          maxMessageBytes: options.maxMessageBytes ?? 8 * 1024 * 1024,
          // Every request has timed out by then (start-up and listing, or a call), the grace added.
          maxResponseMs: Math.max(options.startupTimeoutMs ?? 10_000, this.callTimeoutMs) + (options.shutdownTimeoutMs ?? 2_000),
          launch: options.launch ?? ((spec) => spec),
          ...(options.bwrapPath === undefined ? {} : { bwrapPath: options.bwrapPath }),
          workerEnv: env,
          resolver: options.resolver ?? systemResolver,
          pins: this.pins,
          credentials,
          egress: (server) => this.hooks?.egressFor({ action: 'mcp.call', target: server }),
          egressProxy: {
            resolver: options.resolver ?? systemResolver,
            allowAddresses: options.egress?.allowAddresses ?? [],
            connectTimeoutMs: options.egress?.connectTimeoutMs ?? 10_000,
          },
        }),
      );
    }
  }

  /** Called by `new Kernel`: keeps the hook that decides the egress of `network: proxy` servers. */
  attach(hooks: ProviderHooks): void {
    this.hooks = hooks;
  }

  /** Configured server names. */
  get servers(): readonly string[] {
    return [...this.sessions.keys()];
  }

  /** True if the operator marked the tool of `target` (`server/tool`) idempotent: only such calls are retried. */
  isIdempotent(target: string): boolean {
    const slash = target.indexOf('/');
    const config = this.sessions.get(target.slice(0, slash))?.config;
    return slash > 0 && (config?.idempotentTools ?? []).includes(target.slice(slash + 1));
  }

  /** The canonical target is `server/tool` as written; an unknown server is refused here (DENIED). */
  resolve(request: ActionRequest): Promise<ResolvedRequest> {
    return Promise.resolve().then(() => {
      const canonical = canonicalizeRequest(request);
      const { server } = canonicalMcpTarget(canonical.target);
      if (!this.sessions.has(server)) throw new McpUnknownServerError(server, this.servers);
      const params = { ...canonical.params, arguments: canonical.params['arguments'] ?? {} };
      return { action: request.action, target: request.target, canonicalTarget: canonical.target, params };
    });
  }

  /** Calls the tool (see the module comment for the order of checks). */
  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<ProviderOutput> {
    assertKernelGrant(context, this.name);
    const { server, tool } = canonicalMcpTarget(request.canonicalTarget);
    const session = this.session(server);
    const args = (request.params['arguments'] ?? {}) as Record<string, unknown>;
    const { tools, pin } = await session.listTools(context.signal);
    const found = tools.find((t) => t.name === tool);
    if (found === undefined) throw new McpUnknownToolError(server, tool);
    const problem = this.checkArguments(found, args);
    if (problem !== undefined) throw new McpInvalidArgumentsError(request.canonicalTarget, problem);
    const raw = await session.callTool(tool, args, context.signal, this.callTimeoutMs);
    const credentials = this.credentials.get(server);
    const { data, truncated } = capResult(raw, this.maxOutputChars, (t) => credentials?.redact(t) ?? t);
    return withMeta(data, { server, tool, pin, isError: data.isError, truncated });
  }

  /**
   * Lists a server's tools now (starting it if needed) and checks them against the pin.
   * @throws McpUnknownServerError and the errors of {@link McpSession.listTools}.
   */
  listTools(server: string, signal?: AbortSignal): Promise<ListedTools> {
    return this.session(server).listTools(signal);
  }

  /**
   * An operator's re-approval: lists the server's tools as they are now and records them as its
   * pin, so calls that `Mcp.PinMismatch` refused work again. Never called on the agent's behalf.
   */
  async approveTools(server: string, signal?: AbortSignal): Promise<ListedTools> {
    return this.session(server).listTools(signal, true);
  }

  /** Stops every server. */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  private session(server: string): McpSession {
    const session = this.sessions.get(server);
    if (session === undefined) throw new McpUnknownServerError(server, this.servers);
    return session;
  }

  private checkArguments(tool: Tool, args: Record<string, unknown>): string | undefined {
    const key = JSON.stringify(tool.inputSchema);
    let validate = this.validators.get(key);
    if (validate === undefined) {
      try {
        // A fresh Ajv per schema: a server's `$id`s cannot collide with (or replace) another's.
        // Without its regular expressions: one that backtracks would block the worker (schema-regex.ts).
        validate = new (ajvClass())({ allErrors: true, strict: false }).compile(withoutRegExps(tool.inputSchema) as Record<string, unknown>);
      } catch (err) {
        return `the tool's input schema does not compile (${err instanceof Error ? err.message.slice(0, 200) : 'invalid'})`;
      }
      if (this.validators.size >= 256) this.validators.clear();
      this.validators.set(key, validate);
    }
    if (validate(args)) return undefined;
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`)
      .join('; ');
  }
}

const warned = new Set<string>();

/** A loud start-up warning (once per message) for an unconfined server or a missing sandbox. */
function warnAboutConfinement(server: string, mode: McpSandbox, bwrapPath: string | undefined): void {
  let message: string | undefined;
  if (mode === McpSandbox.Off) {
    message = `agent-os-kernel: MCP server "${server}" runs WITHOUT the OS sandbox (sandbox: off): it sees the whole host and the network as the worker's user`;
  } else {
    const problem = probeSandbox(bwrapPath).problem;
    if (problem !== undefined)
      message = `agent-os-kernel: the OS sandbox is unavailable (${problem}); MCP server "${server}" will not be started (Mcp.SandboxUnavailable) — install bubblewrap or set sandbox: off for it explicitly`;
  }
  if (message === undefined || warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'AOK_SANDBOX' });
}
