/**
 * ToolDef: pure metadata that turns a model's tool call into a kernel action request
 * (the seed's `ToolDef`). It holds no execution logic — `Kernel.submit` is the only way
 * anything runs. Mapping is pure and deterministic, so it runs in workflow code.
 */
import type { ActionRequest } from '../kernel/types';
import type { ToolCall } from '../model/types';

/** The plain-data form of a tool definition (what travels in a run's input). */
export interface ToolDefSpec {
  /** Function name the model calls, e.g. `read_file`. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments (checked before the action is decided). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Kernel action, e.g. `fs.read`. */
  readonly action: string;
  /**
   * Where the target comes from: an argument name (`path`), or a template with `{arg}`
   * placeholders (`https://api.example.com/users/{id}`; values are URL-encoded in URL
   * templates). Arguments used here are not passed again as params.
   */
  readonly targetFrom: string;
  /** Fixed params merged over the model's arguments (the model cannot override them). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** A fixed target (e.g. `fs/read_text_file` for an MCP tool): `targetFrom` is then ignored and no argument is used for it. */
  readonly target?: string;
  /** Pass the model's arguments as one param of this name (`arguments` for mcp.call) instead of spreading them. */
  readonly argumentsParam?: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

/**
 * A validated tool definition.
 * @throws TypeError when a field is missing, malformed or unknown (name must match OpenAI's `^[A-Za-z0-9_-]{1,64}$`).
 * @example
 * const readFile = new ToolDef({
 *   name: 'read_file', description: 'Read a file from the workspace.',
 *   parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
 *   action: 'fs.read', targetFrom: 'path',
 * });
 */
export class ToolDef implements ToolDefSpec {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly action: string;
  readonly targetFrom: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly target?: string;
  readonly argumentsParam?: string;

  constructor(spec: ToolDefSpec) {
    // target/argumentsParam are checked here and at the run's door (input-check.ts), not in checkToolDef: mapping in running workflows stays as it was.
    const problem = checkToolDef(spec) ?? fixedTargetProblem(spec) ?? unknownKeyProblem(spec);
    if (problem) throw new TypeError(`ToolDef ${JSON.stringify(spec?.name)}: ${problem}`);
    this.name = spec.name;
    this.description = spec.description;
    this.parameters = spec.parameters;
    this.action = spec.action;
    this.targetFrom = spec.targetFrom;
    if (spec.params !== undefined) this.params = spec.params;
    if (spec.target !== undefined) this.target = spec.target;
    if (spec.argumentsParam !== undefined) this.argumentsParam = spec.argumentsParam;
  }
}

const SPEC_KEYS: readonly string[] = ['name', 'description', 'parameters', 'action', 'targetFrom', 'params', 'target', 'argumentsParam'];

/**
 * A key ToolDef does not know: refused, not dropped — fixed `params` under a misspelt key
 * (`parmas`) were dropped silently, and the model's own value was sent instead (red team 15).
 */
function unknownKeyProblem(spec: ToolDefSpec): string | undefined {
  const unknown = Object.keys(spec).find((k) => !SPEC_KEYS.includes(k) && (spec as unknown as Record<string, unknown>)[k] !== undefined);
  return unknown === undefined ? undefined : `unknown field ${JSON.stringify(unknown.slice(0, 64))} (known: ${SPEC_KEYS.join(', ')})`;
}

function fixedTargetProblem(spec: ToolDefSpec): string | undefined {
  if (spec.target !== undefined && (typeof spec.target !== 'string' || spec.target === '')) return 'target must be a non-empty string';
  if (spec.argumentsParam !== undefined && (typeof spec.argumentsParam !== 'string' || spec.argumentsParam === ''))
    return 'argumentsParam must be a non-empty string';
  return undefined;
}

/** Returns what is wrong with a tool definition, or undefined. */
export function checkToolDef(spec: ToolDefSpec): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'must be an object';
  if (typeof spec.name !== 'string' || !NAME.test(spec.name)) return 'name must match ^[A-Za-z0-9_-]{1,64}$';
  if (typeof spec.description !== 'string') return 'description must be a string';
  if (typeof spec.parameters !== 'object' || spec.parameters === null) return 'parameters must be a JSON Schema object';
  if (typeof spec.action !== 'string' || spec.action === '') return 'action must be a non-empty string';
  if (typeof spec.targetFrom !== 'string' || spec.targetFrom === '') return 'targetFrom must be an argument name or a template';
  if (spec.params !== undefined && (typeof spec.params !== 'object' || spec.params === null)) return 'params must be an object';
  return undefined;
}

/** The result of mapping one tool call. */
export type MappedCall =
  | { readonly ok: true; readonly tool: ToolDefSpec; readonly args: Readonly<Record<string, unknown>>; readonly request: ActionRequest }
  | { readonly ok: false; readonly error: string; readonly code: MappingCode; readonly tool?: ToolDefSpec };

/** Codes of tool calls that cannot be mapped onto a request. */
export const MappingCode = {
  /** The model called a tool the run does not offer. */
  UnknownTool: 'Tool.UnknownTool',
  /** The arguments are not JSON, not an object, lack the target, or do not fit the tool's schema. */
  InvalidArguments: 'Tool.InvalidArguments',
  /** The tool definition itself is malformed (only runs started before input was checked at the door). */
  InvalidDefinition: 'Tool.InvalidDefinition',
} as const;
export type MappingCode = (typeof MappingCode)[keyof typeof MappingCode];

/** The action recorded for a call to a tool the run does not offer. */
export const UNKNOWN_TOOL_ACTION = 'tool.unknown';

/** Longest tool name (of the model's) that records, summaries and reasons carry whole. */
export const MAX_TOOL_NAME_LENGTH = 200;

/**
 * The model's tool name as records and summaries carry it: at most
 * {@link MAX_TOOL_NAME_LENGTH} characters, cut with `…` (as the kernel cuts a raw target).
 * The model's name is any text of any length; in a reason it is also JSON-quoted.
 */
export function toolNameOf(name: unknown): string {
  const text = String(name);
  return text.length > MAX_TOOL_NAME_LENGTH ? `${text.slice(0, MAX_TOOL_NAME_LENGTH)}…` : text;
}

const SUMMARY_SAFE = /^[\x21-\x7e]*$/;
const STILL_UNSAFE = /[\u007f-\u009f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A target as a step's summary shows it: as is when it is printable ASCII without spaces or
 * quotes, else JSON-quoted (line and paragraph separators and bidirectional controls escaped
 * too). The model writes the target, and the summary's own `→ <decision>` follows it: before,
 * a target such as `/workspace/output/a → DENIED (no capability)` made an allowed write read as
 * denied in the Web UI (and a denied one as allowed), and a newline pushed the real decision
 * out of view (red team 14d).
 */
export function summaryTarget(target: string): string {
  if (SUMMARY_SAFE.test(target) && !target.includes('"')) return target;
  return JSON.stringify(target).replace(STILL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Maps a model's tool call onto an action request. Never throws: unknown tools and
 * malformed arguments come back as `{ ok: false, error }` for the model to read.
 */
export function mapToolCall(tools: readonly ToolDefSpec[], call: ToolCall): MappedCall {
  // Defensive: runs started before 0.2.0 took their tools unchecked; a malformed definition
  // must come back as an error for the model, never as a TypeError failing the workflow task.
  const named = tools.filter((t): t is ToolDefSpec => typeof t === 'object' && t !== null && typeof t.name === 'string');
  const tool = named.find((t) => t.name === call.name);
  if (!tool)
    return {
      ok: false,
      code: MappingCode.UnknownTool,
      error: `unknown tool ${JSON.stringify(toolNameOf(call.name))}; available: ${named.map((t) => t.name).join(', ') || '(none)'}`,
    };
  const definitionProblem = checkToolDef(tool);
  if (definitionProblem !== undefined)
    return { ok: false, code: MappingCode.InvalidDefinition, error: `the definition of tool ${tool.name} is invalid: ${definitionProblem}` };
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (err) {
    return { ok: false, code: MappingCode.InvalidArguments, tool, error: `arguments of ${tool.name} are not valid JSON: ${(err as Error).message}` };
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return { ok: false, code: MappingCode.InvalidArguments, tool, error: `arguments of ${tool.name} must be a JSON object` };
  }
  const record = args as Record<string, unknown>;
  if (tool.target !== undefined) {
    const nested = tool.argumentsParam === undefined ? { ...record } : { [tool.argumentsParam]: record };
    return { ok: true, tool, args: record, request: { action: tool.action, target: tool.target, params: { ...nested, ...(tool.params ?? {}) } } };
  }
  const used = new Set<string>();
  let target: string;
  if (tool.targetFrom.includes('{')) {
    const isUrl = /^https?:\/\//i.test(tool.targetFrom);
    let missing: string | undefined;
    let unencodable: string | undefined;
    target = tool.targetFrom.replace(PLACEHOLDER, (_, name: string) => {
      const value = record[name];
      used.add(name);
      if (typeof value !== 'string' && typeof value !== 'number') {
        missing ??= name;
        return '';
      }
      if (!isUrl) return String(value);
      // A lone surrogate (valid in JSON text: "\ud800") has no UTF-8 form: encodeURIComponent
      // throws URIError, which in workflow code failed the task again and again (run wedged, no record).
      try {
        return encodeURIComponent(String(value));
      } catch {
        unencodable ??= name;
        return '';
      }
    });
    if (missing !== undefined)
      return { ok: false, code: MappingCode.InvalidArguments, tool, error: `argument "${missing}" of ${tool.name} must be a string or number` };
    if (unencodable !== undefined)
      return {
        ok: false,
        code: MappingCode.InvalidArguments,
        tool,
        error: `argument "${unencodable}" of ${tool.name} cannot be put into a URL (it is not well-formed Unicode: a lone surrogate)`,
      };
  } else {
    const value = record[tool.targetFrom];
    if (typeof value !== 'string' || value === '')
      return { ok: false, code: MappingCode.InvalidArguments, tool, error: `argument "${tool.targetFrom}" of ${tool.name} must be a non-empty string` };
    used.add(tool.targetFrom);
    target = value;
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!used.has(key)) params[key] = value;
  Object.assign(params, tool.params ?? {});
  return { ok: true, tool, args: record, request: { action: tool.action, target, params } };
}
