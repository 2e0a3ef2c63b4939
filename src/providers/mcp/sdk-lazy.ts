/**
 * The MCP SDK (and zod, which it loads), required on first use rather than on import: the
 * package root then loads neither (~170 modules, ~300 ms), and a program that never talks
 * to an MCP server never pays for them.
 */
import { lazy } from '../../lazy';
/* eslint-disable @typescript-eslint/no-require-imports */
type ClientModule = typeof import('@modelcontextprotocol/sdk/client/index.js');
type HttpModule = typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js');
type TypesModule = typeof import('@modelcontextprotocol/sdk/types.js');
type StdioModule = typeof import('@modelcontextprotocol/sdk/shared/stdio.js');

/** `@modelcontextprotocol/sdk/client/index.js`. */
export const sdkClient = lazy(() => require('@modelcontextprotocol/sdk/client/index.js') as ClientModule);

/** `@modelcontextprotocol/sdk/client/streamableHttp.js`. */
export const sdkHttp = lazy(() => require('@modelcontextprotocol/sdk/client/streamableHttp.js') as HttpModule);

/** `@modelcontextprotocol/sdk/types.js` (McpError, ErrorCode). */
export const sdkTypes = lazy(() => require('@modelcontextprotocol/sdk/types.js') as TypesModule);

/** `@modelcontextprotocol/sdk/shared/stdio.js` (ReadBuffer, serializeMessage). */
export const sdkStdio = lazy(() => require('@modelcontextprotocol/sdk/shared/stdio.js') as StdioModule);
