/**
 * The MCP SDK (and zod, which it loads), required on first use rather than on import: the
 * package root then loads neither (~170 modules, ~300 ms), and a program that never talks
 * to an MCP server never pays for them.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
type ClientModule = typeof import('@modelcontextprotocol/sdk/client/index.js');
type HttpModule = typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js');
type TypesModule = typeof import('@modelcontextprotocol/sdk/types.js');
type StdioModule = typeof import('@modelcontextprotocol/sdk/shared/stdio.js');

let client: ClientModule | undefined;
let http: HttpModule | undefined;
let types: TypesModule | undefined;
let stdio: StdioModule | undefined;

/** `@modelcontextprotocol/sdk/client/index.js`. */
export function sdkClient(): ClientModule {
  client ??= require('@modelcontextprotocol/sdk/client/index.js') as ClientModule;
  return client;
}

/** `@modelcontextprotocol/sdk/client/streamableHttp.js`. */
export function sdkHttp(): HttpModule {
  http ??= require('@modelcontextprotocol/sdk/client/streamableHttp.js') as HttpModule;
  return http;
}

/** `@modelcontextprotocol/sdk/types.js` (McpError, ErrorCode). */
export function sdkTypes(): TypesModule {
  types ??= require('@modelcontextprotocol/sdk/types.js') as TypesModule;
  return types;
}

/** `@modelcontextprotocol/sdk/shared/stdio.js` (ReadBuffer, serializeMessage). */
export function sdkStdio(): StdioModule {
  stdio ??= require('@modelcontextprotocol/sdk/shared/stdio.js') as StdioModule;
  return stdio;
}
