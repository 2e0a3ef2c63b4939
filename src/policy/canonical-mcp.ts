/**
 * The canonical target of `mcp.call`: `server/tool`. A server name is what the operator
 * wrote in the worker's server map (lower case, digits, `_`, `-`; no `__`, which separates
 * server and tool in model tool names); a tool name follows the MCP specification's
 * recommendation (1–128 of `A-Z a-z 0-9 _ - .`). Nothing is rewritten: a target that is not
 * already in this form is refused, so one tool has exactly one spelling the policy judges.
 */
import { InvalidTargetError } from './canonical-errors';
import { assertTargetText } from './target-text';

/** A server name in an `mcp.call` target. */
export const MCP_SERVER_NAME = /^[a-z0-9](?:[a-z0-9-]|_(?!_))*$/;
/** A tool name in an `mcp.call` target (the MCP specification's tool-name charset). */
export const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Longest server name. */
export const MAX_MCP_SERVER_NAME = 64;

/** True if `name` can be used as a server name (the part before `/`). */
export function isMcpServerName(name: string): boolean {
  return name.length <= MAX_MCP_SERVER_NAME && MCP_SERVER_NAME.test(name) && !name.endsWith('_');
}

/**
 * Checks an `mcp.call` target and splits it.
 * @throws {InvalidTargetError} when the target is not `server/tool`.
 * @example
 * canonicalMcpTarget('fs/read_file'); // { target: 'fs/read_file', server: 'fs', tool: 'read_file' }
 */
export function canonicalMcpTarget(input: string): { readonly target: string; readonly server: string; readonly tool: string } {
  const text = assertTargetText(input);
  const slash = text.indexOf('/');
  const hint = 'write the target as server/tool, e.g. "fs/read_file", with the server name from the worker configuration';
  if (slash < 0) throw new InvalidTargetError(text, 'an mcp.call target has no "/" between server and tool', hint);
  const server = text.slice(0, slash);
  const tool = text.slice(slash + 1);
  if (!isMcpServerName(server)) throw new InvalidTargetError(text, `"${server}" is not a server name (lower case letters, digits, "_" and "-", no "__")`, hint);
  if (!MCP_TOOL_NAME.test(tool)) throw new InvalidTargetError(text, `"${tool}" is not a tool name (1–128 of A-Z a-z 0-9 _ - .)`, hint);
  return { target: text, server, tool };
}
