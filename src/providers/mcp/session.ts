/**
 * One live connection to one MCP server: started on first use (stdio: through the launch
 * seam; HTTP: through the guarded fetch), handshake and tool listing within the start-up
 * timeout, kept for later calls, re-opened after the server goes away, and closed within the
 * shutdown timeout. The tool list is fetched again before every call and checked against its
 * pin, so a server cannot change a tool behind the model's back between two calls.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { sdkClient, sdkHttp, sdkTypes } from './sdk-lazy';
import { AgentOsError } from '../../errors';
import type { Resolver } from '../http-connect';
import type { CredentialStore } from '../secrets';
import { isStdioServer, type McpServerConfig } from './config';
import {
  McpCallTimeoutError,
  McpCancelledError,
  McpConnectionClosedError,
  McpProtocolError,
  McpStartFailedError,
  McpStartupTimeoutError,
  McpToolListTooLargeError,
} from './errors';
import { guardedFetch } from './http-fetch';
import { launchSpec, type Launcher } from './launch';
import { pinOf, type McpPinStore } from './pins';
import { SpawnTransport } from './stdio-transport';
import type { EgressHook } from '../../kernel/types';
import type { EgressProxyOptions } from '../egress-proxy';

/** Limits and dependencies shared by every session of a provider. */
export interface SessionSettings {
  readonly startupTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly maxMessageBytes: number;
  /** Longest life of an HTTP server's response to a POST, ms (http-fetch.ts `maxResponseMs`). */
  readonly maxResponseMs?: number;
  readonly launch: Launcher;
  /** bubblewrap for sandboxed servers (default: found by the probe). */
  readonly bwrapPath?: string;
  readonly workerEnv: Readonly<Record<string, string | undefined>>;
  readonly resolver: Resolver;
  readonly pins: McpPinStore;
  /** Credential headers of an HTTP server, and the redactor of their values. */
  readonly credentials: CredentialStore;
  /** A fresh kernel egress hook for one start of a server granted `network: proxy` (undefined without a kernel). */
  readonly egress?: (server: string) => EgressHook | undefined;
  /** The egress proxy's settings. */
  readonly egressProxy?: EgressProxyOptions;
}

function egressOptions(s: SessionSettings, server: string): { egress?: EgressHook; egressProxy?: EgressProxyOptions } {
  const egress = s.egress?.(server);
  return { ...(egress === undefined ? {} : { egress }), ...(s.egressProxy === undefined ? {} : { egressProxy: s.egressProxy }) };
}

/** A server's tools as listed now, with the pin they were checked against. */
export interface ListedTools {
  readonly tools: readonly Tool[];
  readonly pin: string;
}

const LIST_PAGES = 100;

/** The SDK's output-schema validator, replaced: structured content is passed on as the server sent it (capped by output.ts). */
const ACCEPT_ANY: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

/** The connection to one server. */
export class McpSession {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private transport: Transport | undefined;

  constructor(
    readonly name: string,
    readonly config: McpServerConfig,
    private readonly settings: SessionSettings,
  ) {}

  /**
   * Connects if needed, lists every tool and checks the list against its pin — or, with
   * `approve`, records the list as the new pin (an operator's re-approval).
   * @throws McpStartupTimeoutError / McpStartFailedError / McpPinMismatchError / McpCancelledError.
   */
  async listTools(signal?: AbortSignal, approve = false): Promise<ListedTools> {
    const client = await this.connect(signal);
    const tools: Tool[] = [];
    let cursor: string | undefined;
    let bytes = 0;
    for (let page = 0; page < LIST_PAGES; page++) {
      const res = await this.request(`${this.name}/*`, signal, this.settings.startupTimeoutMs, () =>
        client.listTools(cursor === undefined ? {} : { cursor }, { ...(signal ? { signal } : {}), timeout: this.settings.startupTimeoutMs }),
      );
      // The whole list counts against the per-message cap: pages that never end are not collected.
      bytes += Buffer.byteLength(JSON.stringify(res.tools));
      if (bytes > this.settings.maxMessageBytes) throw new McpToolListTooLargeError(this.name, this.settings.maxMessageBytes);
      tools.push(...res.tools);
      cursor = res.nextCursor;
      if (cursor === undefined) break;
    }
    const list = tools.map((t) => ({
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      inputSchema: t.inputSchema as Record<string, unknown>,
    }));
    if (approve) {
      const pin = pinOf(list);
      this.settings.pins.approve(this.name, pin);
      return { tools, pin: pin.hash };
    }
    return { tools, pin: this.settings.pins.check(this.name, list) };
  }

  /**
   * Calls a tool. Abort (`signal`) and timeout both send the protocol's cancel notification.
   * @throws McpCallTimeoutError / McpCancelledError / McpProtocolError / McpConnectionClosedError.
   */
  async callTool(tool: string, args: Record<string, unknown>, signal: AbortSignal | undefined, timeoutMs: number): Promise<Record<string, unknown>> {
    const client = await this.connect(signal);
    const target = `${this.name}/${tool}`;
    return this.request(
      target,
      signal,
      timeoutMs,
      () =>
        client.callTool({ name: tool, arguments: args }, undefined, { ...(signal ? { signal } : {}), timeout: timeoutMs }) as Promise<Record<string, unknown>>,
    );
  }

  /** Closes the connection (stdio: stdin, then SIGTERM, then SIGKILL to the process group). */
  async close(): Promise<void> {
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    this.connecting = undefined;
    this.transport = undefined;
    if (client !== undefined) await client.close().catch(() => undefined);
    else await transport?.close().catch(() => undefined);
  }

  private connect(signal: AbortSignal | undefined): Promise<Client> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= this.open(signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(signal: AbortSignal | undefined): Promise<Client> {
    const { startupTimeoutMs } = this.settings;
    const transport = await this.makeTransport();
    this.transport = transport;
    // No output-schema check: the server's schema and its structured content are both the server's
    // words (the result is capped as untrusted text either way), and the SDK's check runs the
    // schema's regular expressions on the worker's event loop, where one that backtracks blocks
    // every run (red team 14) — and it compiled every listed output schema anew on each call.
    const client = new (sdkClient().Client)({ name: 'agent-os-kernel', version: '0.1.0' }, { capabilities: {}, jsonSchemaValidator: ACCEPT_ANY });
    const timeout = AbortSignal.timeout(startupTimeoutMs);
    const both = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
    try {
      await client.connect(transport, { signal: both, timeout: startupTimeoutMs });
    } catch (err) {
      await transport.close().catch(() => undefined);
      this.transport = undefined;
      if (signal?.aborted === true) throw new McpCancelledError(`${this.name}/*`);
      if (timeout.aborted || (err instanceof sdkTypes().McpError && err.code === sdkTypes().ErrorCode.RequestTimeout))
        throw new McpStartupTimeoutError(this.name, startupTimeoutMs);
      if (err instanceof AgentOsError) throw err;
      throw new McpStartFailedError(this.name, this.describe(err), { cause: err });
    }
    client.onclose = () => {
      if (this.client === client) {
        this.client = undefined;
        this.transport = undefined;
      }
    };
    this.client = client;
    return client;
  }

  private async makeTransport(): Promise<Transport> {
    const s = this.settings;
    if (isStdioServer(this.config)) {
      const spec = await s.launch(launchSpec(this.name, this.config, s.workerEnv), this.name);
      return new SpawnTransport(spec, {
        maxMessageBytes: s.maxMessageBytes,
        shutdownTimeoutMs: s.shutdownTimeoutMs,
        server: this.name,
        ...(s.bwrapPath === undefined ? {} : { bwrapPath: s.bwrapPath }),
        ...(spec.sandbox?.network === 'proxy' ? egressOptions(s, this.name) : {}),
      });
    }
    const url = new URL(this.config.url);
    const fetch = guardedFetch({
      server: this.name,
      resolver: s.resolver,
      allowAddresses: this.config.allowAddresses ?? [],
      headers: () => s.credentials.headersFor(`${url.protocol}//${url.host}/`),
      maxResponseBytes: s.maxMessageBytes,
      connectTimeoutMs: s.startupTimeoutMs,
      ...(s.maxResponseMs === undefined ? {} : { maxResponseMs: s.maxResponseMs }),
    });
    return new (sdkHttp().StreamableHTTPClientTransport)(url, {
      fetch,
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
    });
  }

  private async request<T>(target: string, signal: AbortSignal | undefined, timeoutMs: number, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (signal?.aborted === true) throw new McpCancelledError(target);
      if (err instanceof AgentOsError) throw err;
      if (err instanceof sdkTypes().McpError) {
        if (err.code === sdkTypes().ErrorCode.RequestTimeout) throw new McpCallTimeoutError(target, timeoutMs);
        // -32000 is also the generic server-error code servers use: a closed connection only when the transport did close.
        if (err.code === sdkTypes().ErrorCode.ConnectionClosed && this.client === undefined) throw new McpConnectionClosedError(this.name);
        throw new McpProtocolError(target, err.code, this.describe(err), { cause: err });
      }
      if (this.client === undefined) throw new McpConnectionClosedError(this.name);
      throw new McpProtocolError(target, undefined, this.describe(err), { cause: err });
    }
  }

  /** A short, redacted description of a foreign error (server text is untrusted and may echo a credential). */
  private describe(err: unknown): string {
    const sys = (err as { code?: unknown } | null)?.code;
    if (typeof sys === 'string') return `${err instanceof Error ? err.name : 'Error'} (${sys})`; // system errors name host paths
    // Redact, THEN cut: a credential that straddles the cut would no longer match, and its prefix would stay (red team).
    const text = this.settings.credentials.redact(err instanceof Error ? err.message : String(err));
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  }
}
