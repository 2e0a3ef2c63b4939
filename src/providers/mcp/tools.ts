/**
 * MCP tools as model tools. For each configured server the tool list is fetched (and checked
 * against its pin — a changed list is refused, not offered), and every tool the policy could
 * allow becomes an offer named `server__tool` (valid for the OpenAI API:
 * `^[A-Za-z0-9_-]{1,64}$`), with the tool's description and input schema. Tools the policy can
 * never allow, and tools whose names cannot be written as a model tool name, are left out
 * (and listed in `skipped` with the reason).
 *
 * An offer maps a model call to `{ action: 'mcp.call', target: 'server/tool', params: {
 * arguments } }` ({@link mcpCallRequest}); the arguments are checked against the input schema
 * before the call (by the tool activities, and again by the provider against the pinned list).
 */
import type { ToolDefSpec } from '../../workflows/tool-defs';
import type { ActionRequest } from '../../kernel/types';
import type { McpProvider } from './provider';

const OPENAI_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** One MCP tool offered to a model. */
export interface McpToolOffer {
  /** Model tool name, `server__tool`. */
  readonly name: string;
  readonly description: string;
  /** The tool's input schema (JSON Schema). */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly action: 'mcp.call';
  /** The canonical target, `server/tool`. */
  readonly target: string;
  /** The pin of the server's tool list the offer was made from. */
  readonly pin: string;
  /** For the tool-call mapping: the model's arguments go under `params.arguments`. */
  readonly argumentsParam: 'arguments';
  /** Unused with a fixed `target` (tool-defs.ts); present so an offer is a ToolDefSpec. */
  readonly targetFrom: string;
}

/** What {@link mcpToolDefs} found. */
export interface McpToolCatalogue {
  readonly offers: readonly McpToolOffer[];
  readonly skipped: readonly { readonly target: string; readonly reason: string }[];
  /** Servers whose tools could not be listed (start failure, pin mismatch), with the error code. */
  readonly failed: readonly { readonly server: string; readonly code: string; readonly message: string }[];
}

/** The policy question the offers depend on (a `Kernel` answers it). */
export interface ToolPolicy {
  couldAllow(action: string, target: string): boolean;
}

/**
 * Lists the offers of every server of `mcp` under `policy`.
 * @example
 * const { offers } = await mcpToolDefs(mcp, kernel);
 * offers.map((o) => o.name); // ['fs__read_text_file', 'fs__write_file']
 */
export async function mcpToolDefs(mcp: McpProvider, policy: ToolPolicy): Promise<McpToolCatalogue> {
  const offers: McpToolOffer[] = [];
  const skipped: { target: string; reason: string }[] = [];
  const failed: { server: string; code: string; message: string }[] = [];
  for (const server of mcp.servers) {
    let listed;
    try {
      listed = await mcp.listTools(server);
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'Mcp.StartFailed';
      failed.push({ server, code, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    for (const tool of listed.tools) {
      const target = `${server}/${tool.name}`;
      const name = `${server}__${tool.name}`;
      if (!OPENAI_NAME.test(name)) {
        skipped.push({ target, reason: `"${name}" is not a valid model tool name (^[A-Za-z0-9_-]{1,64}$)` });
        continue;
      }
      if (!policy.couldAllow('mcp.call', target)) {
        skipped.push({ target, reason: 'no capability or ask rule could allow it' });
        continue;
      }
      offers.push({
        name,
        description: tool.description ?? '',
        parameters: tool.inputSchema as Record<string, unknown>,
        action: 'mcp.call',
        target,
        pin: listed.pin,
        argumentsParam: 'arguments',
        targetFrom: target,
      });
    }
  }
  return { offers, skipped, failed };
}

/** The kernel request for a model's call of `offer` with `args`. */
export function mcpCallRequest(offer: McpToolOffer, args: Readonly<Record<string, unknown>>): ActionRequest {
  return { action: 'mcp.call', target: offer.target, params: { arguments: args } };
}

/**
 * The tool definition of an offer, as runs take it (docs/usage.md, "Tool definitions"): a fixed
 * target — the model picks the tool by its name, never the target — and its arguments passed
 * as `params.arguments`. The pin stays out of the definition; each call's result names it.
 * @example
 * const { offers } = await mcpToolDefs(mcp, kernel);
 * await client.workflow.start(agentRun, { taskQueue, workflowId, args: [{ prompt, tools: offers.map(offerToolDef) }] });
 */
export function offerToolDef(offer: McpToolOffer): ToolDefSpec {
  return {
    name: offer.name,
    description: offer.description,
    parameters: offer.parameters,
    action: offer.action,
    targetFrom: offer.target,
    target: offer.target,
    argumentsParam: offer.argumentsParam,
  };
}
