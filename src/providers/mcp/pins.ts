/**
 * Tool-list pins ("trust on first use, then refuse changes"). The first time the worker sees a
 * server's tool list, it records a sha256 over every tool's name, description and input
 * schema (canonical JSON, tools sorted by name). Any later difference — a changed
 * description, a new or removed tool, a widened schema — refuses every call to that server
 * with `Mcp.PinMismatch` until an operator re-approves the new list
 * (`agent-os mcp list --approve SERVER`, or {@link McpPinStore.approve}).
 *
 * Where pins live: the JSON file given as `McpProviderOptions.pinsFile` (re-read before each
 * check, so an approval takes effect without a restart; written atomically), or memory only
 * when no file is given. Each call's pin hash is also in its result's `meta.pin`, and so in the
 * workflow history.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { canonicalJson, sha256 } from '../../kernel/audit-record';
import { McpPinMismatchError } from './errors';

/** The parts of a tool that are pinned. */
export interface PinnedTool {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** One server's pin. */
export interface ServerPin {
  /** sha256 over the whole list. */
  readonly hash: string;
  /** sha256 per tool name (to say what changed). */
  readonly tools: Readonly<Record<string, string>>;
  readonly pinnedAt: string;
}

interface PinFile {
  readonly version: 1;
  readonly servers: Record<string, ServerPin>;
}

/** The pin of a tool list (not stored). */
export function pinOf(tools: readonly PinnedTool[]): Omit<ServerPin, 'pinnedAt'> {
  const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const perTool: Record<string, string> = {};
  for (const t of sorted) perTool[t.name] = sha256(canonicalJson(pinned(t)));
  return { hash: sha256(canonicalJson(sorted.map(pinned))), tools: perTool };
}

function pinned(t: PinnedTool): unknown {
  return { name: t.name, description: t.description ?? null, inputSchema: t.inputSchema };
}

/** The pins of every server, in a file or in memory. */
export class McpPinStore {
  private memory: PinFile = { version: 1, servers: {} };

  /** @param file JSON pin file (created at first pin); `undefined` keeps pins in memory. */
  constructor(readonly file?: string) {}

  /** The recorded pin of `server`, if any. */
  get(server: string): ServerPin | undefined {
    return this.load().servers[server];
  }

  /**
   * Pins `tools` at first use; afterwards checks them against the pin.
   * @returns the pin hash in force.
   * @throws McpPinMismatchError when the list differs from the pinned one.
   */
  check(server: string, tools: readonly PinnedTool[]): string {
    const current = pinOf(tools);
    const pin = this.get(server);
    if (pin === undefined) {
      this.approve(server, current);
      return current.hash;
    }
    if (pin.hash === current.hash) return pin.hash;
    const names = new Set([...Object.keys(pin.tools), ...Object.keys(current.tools)]);
    const changed = [...names].filter((n) => pin.tools[n] !== current.tools[n]).sort();
    throw new McpPinMismatchError(server, pin.hash, current.hash, changed);
  }

  /** Records `pin` as the approved tool list of `server` (an operator's re-approval). */
  approve(server: string, pin: Omit<ServerPin, 'pinnedAt'>): void {
    const data = this.load();
    const next: PinFile = { version: 1, servers: { ...data.servers, [server]: { ...pin, pinnedAt: new Date().toISOString() } } };
    if (this.file === undefined) {
      this.memory = next;
      return;
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, this.file);
  }

  private load(): PinFile {
    if (this.file === undefined) return this.memory;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return { version: 1, servers: {} };
      throw err;
    }
    const data = JSON.parse(text) as Partial<PinFile>;
    if (data.version !== 1 || typeof data.servers !== 'object' || data.servers === null) {
      throw new TypeError(`${this.file} is not an MCP pin file (version 1)`);
    }
    return data as PinFile;
  }
}
