/**
 * Typed failures of the MCP provider (`Mcp.*`). Messages name servers, tools and limits —
 * never a host path, an environment value or a credential; text that comes from a server
 * (a JSON-RPC error message) is passed through the credential redactor and shortened. The
 * agent reads it; the audit log does not (`auditMessage`: the server's words are replaced by
 * their length and hash — they may echo the call's arguments or file contents).
 */
import { AgentOsError } from '../../errors';
import { withheld } from '../foreign-text';

/** The server map given to `McpProvider` is unusable (thrown by the constructor). */
export class McpConfigError extends AgentOsError {
  readonly code = 'Mcp.InvalidConfig';
  constructor(
    readonly server: string,
    readonly problem: string,
  ) {
    super(`MCP server "${server}": ${problem}`);
  }
}

/** The target names a server the worker does not configure. */
export class McpUnknownServerError extends AgentOsError {
  readonly code = 'Mcp.UnknownServer';
  constructor(
    readonly server: string,
    readonly known: readonly string[],
  ) {
    super(`no MCP server "${server}" is configured on this worker (known: ${known.join(', ') || 'none'})`);
  }
}

/** The server does not offer the tool (in its current, pinned tool list). */
export class McpUnknownToolError extends AgentOsError {
  readonly code = 'Mcp.UnknownTool';
  constructor(
    readonly server: string,
    readonly tool: string,
  ) {
    super(`MCP server "${server}" has no tool "${tool}"`);
  }
}

/** The server could not be started or did not complete the MCP handshake. */
export class McpStartFailedError extends AgentOsError {
  readonly code = 'Mcp.StartFailed';
  constructor(
    readonly server: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`MCP server "${server}" could not be started: ${detail}`, options);
    this.auditMessage = `MCP server "${server}" could not be started: ${withheld(detail)}`;
  }

  override readonly auditMessage: string;
}

/** The server did not finish its handshake and tool listing within the start-up timeout. */
export class McpStartupTimeoutError extends AgentOsError {
  readonly code = 'Mcp.StartupTimeout';
  constructor(
    readonly server: string,
    readonly timeoutMs: number,
  ) {
    super(`MCP server "${server}" did not start within ${timeoutMs} ms; it was stopped`);
  }
}

/** The tool call did not finish within the call timeout; a cancel notification was sent. */
export class McpCallTimeoutError extends AgentOsError {
  readonly code = 'Mcp.CallTimeout';
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`MCP call ${target} did not finish within ${timeoutMs} ms; it was cancelled and its outcome is unknown`);
  }
}

/** The caller (kernel timeout, workflow cancellation) aborted the call; a cancel notification was sent. */
export class McpCancelledError extends AgentOsError {
  readonly code = 'Mcp.Cancelled';
  constructor(readonly target: string) {
    super(`MCP call ${target} was cancelled; its outcome is unknown`);
  }
}

/** The server's tool list differs from the pinned one ("rug pull"): refused until an operator re-approves it. */
export class McpPinMismatchError extends AgentOsError {
  readonly code = 'Mcp.PinMismatch';
  constructor(
    readonly server: string,
    readonly pinned: string,
    readonly current: string,
    readonly changed: readonly string[],
  ) {
    const approve = `calls are refused until an operator re-approves it (agent-os mcp list --approve ${server})`;
    const names = `${changed.slice(0, 8).join(', ')}${changed.length > 8 ? ', …' : ''}`;
    super(`the tool list of MCP server "${server}" changed since it was pinned (${names}); ${approve}`);
    // The names are the server's: the log gets them withheld.
    this.auditMessage = `the tool list of MCP server "${server}" changed since it was pinned (${withheld(names, 'tool names')}); ${approve}`;
  }

  override readonly auditMessage: string;
}

/** The arguments do not match the tool's (pinned) input schema; the call was not made. */
export class McpInvalidArgumentsError extends AgentOsError {
  readonly code = 'Mcp.InvalidArguments';
  constructor(
    readonly target: string,
    readonly problem: string,
  ) {
    super(`arguments of ${target} do not match its input schema: ${problem}`);
    // The problem quotes the server's schema (patterns, formats, names) and may quote the arguments.
    this.auditMessage = `arguments of ${target} do not match its input schema: ${withheld(problem, "the schema check's words")}`;
  }

  override readonly auditMessage: string;
}

/** The server answered with a JSON-RPC error (or an answer that is not MCP). */
export class McpProtocolError extends AgentOsError {
  readonly code = 'Mcp.ProtocolError';
  constructor(
    readonly target: string,
    readonly rpcCode: number | undefined,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`MCP call ${target} failed${rpcCode === undefined ? '' : ` (JSON-RPC ${rpcCode})`}: ${detail}`, options);
    this.auditMessage = `MCP call ${target} failed${rpcCode === undefined ? '' : ` (JSON-RPC ${rpcCode})`}: ${withheld(detail)}`;
  }

  override readonly auditMessage: string;
}

/** The connection to the server ended (the process exited, the HTTP session ended). */
export class McpConnectionClosedError extends AgentOsError {
  readonly code = 'Mcp.ConnectionClosed';
  constructor(readonly server: string) {
    super(`the connection to MCP server "${server}" closed`);
  }
}

/** An HTTP server answered with a redirect; the MCP client never follows one. */
export class McpRedirectRefusedError extends AgentOsError {
  readonly code = 'Mcp.RedirectRefused';
  constructor(
    readonly server: string,
    readonly status: number,
  ) {
    super(`MCP server "${server}" answered with a redirect (HTTP ${status}); redirects are never followed`);
  }
}

/** A single message from the server exceeded the size limit; the connection was dropped. */
export class McpResponseTooLargeError extends AgentOsError {
  readonly code = 'Mcp.ResponseTooLarge';
  constructor(
    readonly server: string,
    readonly limit: number,
  ) {
    super(`MCP server "${server}" sent more than ${limit} bytes in one response; the connection was dropped`);
  }
}

/**
 * The response to a request of an HTTP server was still streaming when the longest request
 * timeout (plus the shutdown grace) had passed: the stream is ended, its connection closed.
 */
export class McpResponseTimeoutError extends AgentOsError {
  readonly code = 'Mcp.ResponseTimeout';
  constructor(
    readonly server: string,
    readonly limitMs: number,
  ) {
    super(`MCP server "${server}" was still streaming a response after ${limitMs} ms; the connection was closed`);
  }
}

/**
 * The server's tool list, all pages together, is larger than the per-message cap: each page
 * may be under it, but a list that never ends would otherwise be collected in the worker's
 * memory on every call (red team 14).
 */
export class McpToolListTooLargeError extends AgentOsError {
  readonly code = 'Mcp.ToolListTooLarge';
  constructor(
    readonly server: string,
    readonly limit: number,
  ) {
    super(`MCP server "${server}" listed more than ${limit} bytes of tools (all pages together); its tools are not offered or called`);
  }
}

/**
 * A stdio server is to run in the process sandbox (the default) and bubblewrap is missing or
 * does not work here: the server is not started. Install bubblewrap (`npm run setup`, or
 * `apt-get install bubblewrap`), or set `sandbox: off` for that server explicitly.
 */
export class McpSandboxUnavailableError extends AgentOsError {
  readonly code = 'Mcp.SandboxUnavailable';
  constructor(
    readonly server: string,
    readonly problem: string,
  ) {
    super(
      `MCP server "${server}" was not started: it runs only inside the OS sandbox, which is unavailable (${problem}); install bubblewrap (npm run setup, or apt-get install bubblewrap) or set sandbox: off for this server explicitly`,
    );
  }
}
