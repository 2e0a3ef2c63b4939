/**
 * The MCP provider: `mcp.call` on stdio and Streamable HTTP servers, under the kernel's policy.
 */
export { McpProvider, type McpProviderOptions } from './provider';
export { McpSandbox, type McpMount, type McpServerConfig } from './config';
export { type LaunchSpec, type LaunchSandbox, type Launcher } from './launch';
export { McpPinStore } from './pins';
export { type McpCallData } from './output';
export { McpSandboxUnavailableError } from './errors';
