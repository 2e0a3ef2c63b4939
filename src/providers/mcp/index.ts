/**
 * The MCP provider: `mcp.call` on stdio and Streamable HTTP servers, under the kernel's policy.
 */
export { McpProvider, type McpProviderOptions } from './provider';
export { McpSandbox, type McpMount, type McpServerConfig, type McpStdioServer, type McpHttpServer, checkServers } from './config';
export { launchSpec, type LaunchSpec, type LaunchSandbox, type Launcher } from './launch';
export { McpPinStore, pinOf, type PinnedTool, type ServerPin } from './pins';
export { type McpCallData } from './output';
export {
  McpConfigError,
  McpUnknownServerError,
  McpUnknownToolError,
  McpStartFailedError,
  McpStartupTimeoutError,
  McpCallTimeoutError,
  McpCancelledError,
  McpPinMismatchError,
  McpInvalidArgumentsError,
  McpProtocolError,
  McpConnectionClosedError,
  McpRedirectRefusedError,
  McpResponseTooLargeError,
  McpSandboxUnavailableError,
} from './errors';
