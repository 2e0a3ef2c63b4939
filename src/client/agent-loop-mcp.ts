/**
 * The MCP tools a local {@link AgentLoop} offers by itself: when the loop's kernel executes
 * `mcp.call` with an `McpProvider`, every tool of its servers that the policy could allow (the
 * kernel's policy, narrowed by the run's own policy when the loop has one) joins the run's tools
 * as `server__tool`, with the server's description and input schema, a fixed target
 * `server/tool` and the model's arguments as `params.arguments` — so each call is an
 * `mcp.call` the policy decides and the audit log records, like any other tool.
 *
 * The servers are listed (and their lists checked against their pins) before every run, so a
 * changed tool list is refused rather than offered; a server that cannot be listed offers
 * nothing and is reported once per loop with the warning code `AOK_MCP_TOOLS`.
 */
import { RunPolicyViews } from '../activities/run-policy';
import type { Kernel } from '../kernel/kernel';
import { McpProvider } from '../providers/mcp/provider';
import { mcpToolDefs, offerToolDef, type McpToolCatalogue } from '../providers/mcp/tools';
import type { ToolDefSpec } from '../workflows/tool-defs';

/** A run's tools: the caller's, then the MCP offers, and what the listing found. */
export interface LoopTools {
  readonly tools: readonly ToolDefSpec[];
  /** Undefined when the kernel has no `McpProvider` (or offering was turned off). */
  readonly mcp?: McpToolCatalogue;
}

/** Lists a kernel's MCP tools for the runs of one loop. */
export class LoopMcpTools {
  private readonly views: RunPolicyViews;
  private readonly warned = new Set<string>();

  constructor(private readonly kernel: Kernel) {
    this.views = new RunPolicyViews(kernel);
  }

  /** The kernel's `McpProvider`, if `mcp.call` is executed by one. */
  get provider(): McpProvider | undefined {
    const provider = this.kernel.providerFor('mcp.call');
    return provider instanceof McpProvider ? provider : undefined;
  }

  /**
   * The caller's `tools` plus the MCP offers the run's policy could allow. A caller's tool
   * keeps its name: an offer with the same name is left out (listed in `skipped`).
   */
  async forRun(tools: readonly ToolDefSpec[], runPolicy: string | undefined): Promise<LoopTools> {
    const mcp = this.provider;
    if (mcp === undefined) return { tools };
    // An invalid run policy offers what the ceiling could allow; the run itself then fails closed on it.
    const view = this.views.get(runPolicy);
    const catalogue = await mcpToolDefs(mcp, view.ok ? view.kernel : this.kernel);
    const taken = new Set(tools.map((t) => t.name));
    const offered: ToolDefSpec[] = [];
    const skipped = [...catalogue.skipped];
    for (const offer of catalogue.offers) {
      if (taken.has(offer.name)) skipped.push({ target: offer.target, reason: `the loop's own tool "${offer.name}" has this name` });
      else offered.push(offerToolDef(offer));
    }
    for (const f of catalogue.failed) this.warn(f);
    return { tools: [...tools, ...offered], mcp: { offers: catalogue.offers.filter((o) => !taken.has(o.name)), skipped, failed: catalogue.failed } };
  }

  private warn(f: McpToolCatalogue['failed'][number]): void {
    const key = `${f.server}\0${f.code}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    process.emitWarning(`agent-os-kernel: AgentLoop offers no tools of MCP server "${f.server}": ${f.code}: ${f.message}`, { code: 'AOK_MCP_TOOLS' });
  }
}
