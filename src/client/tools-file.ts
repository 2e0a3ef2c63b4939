/**
 * The `--tools` file: the tool definitions (the seed's `ToolDef`s) a worker offers its runs,
 * as YAML or JSON (JSON is YAML). Validated like a policy: every problem is collected with
 * its line and column and a hint, unknown keys are errors, and nothing loads unless all is well.
 *
 * ```yaml
 * version: 1
 * tools:
 *   - name: read_file
 *     description: Read a file from the workspace.
 *     action: fs.read
 *     target_from: path
 *     parameters:
 *       type: object
 *       properties: { path: { type: string } }
 *       required: [path]
 * ```
 */
import { readFileSync } from 'node:fs';
import type Ajv from 'ajv';
import type { Node, YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq } from '../policy/yaml-lazy';
import { ajvClass } from '../ajv-lazy';
import { ProblemCode, parsePolicy, type PolicyProblem } from '../policy/index';
import type { ToolDefSpec } from '../workflows/tool-defs';
import { ToolsFileError } from './errors';

const TOP_KEYS = ['version', 'tools'] as const;
// `targetFrom` is the wire name (docs/usage.md, "Tool definitions"); `target_from` its alias.
const TOOL_KEYS = ['name', 'description', 'action', 'target_from', 'targetFrom', 'parameters', 'params'] as const;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Options of {@link loadToolsText}. */
export interface ToolsFileOptions {
  /** Actions the worker executes; a tool naming another action is a problem. */
  readonly actions?: readonly string[];
}

/**
 * Parses and validates tool definitions.
 * @throws ToolsFileError (`Client.InvalidToolsFile`) listing every problem.
 * @example
 * const tools = loadToolsText(fs.readFileSync('tools.yaml', 'utf8'), 'tools.yaml');
 */
export function loadToolsText(text: string, file: string, options: ToolsFileOptions = {}): ToolDefSpec[] {
  const parsed = parsePolicy(text, file);
  const problems: PolicyProblem[] = [...parsed.problems];
  const at = (node: unknown, code: ProblemCode, message: string, hint: string): void => {
    const range = (node as Node | null | undefined)?.range;
    const pos = parsed.lineCounter.linePos(range?.[0] ?? 0);
    problems.push({ file, line: pos.line, col: pos.col, code, message, hint });
  };
  const tools: ToolDefSpec[] = [];
  const root = parsed.document.contents;
  if (!parsed.fatal) {
    if (!isMap(root)) at(root, ProblemCode.Type, 'the file must be a mapping with a `tools:` list', 'start the file with `tools:` and list the tools under it');
    else {
      checkKeys(root, TOP_KEYS, at);
      const version: unknown = root.get('version', true);
      if (version !== undefined && !(isScalar(version) && version.value === 1))
        at(version, ProblemCode.InvalidValue, 'version must be 1', 'write `version: 1` or leave it out');
      const list = root.get('tools', true);
      if (list === undefined) at(root, ProblemCode.MissingKey, 'missing `tools:` list', 'add `tools:` with at least one tool definition');
      else if (!isSeq(list)) at(list, ProblemCode.Type, '`tools` must be a list', 'write each tool as a `- name: …` item');
      else {
        const names = new Set<string>();
        for (const item of list.items) {
          const nameNode: unknown = isMap(item) ? item.get('name', true) : undefined;
          const name = isScalar(nameNode) ? String(nameNode.value) : undefined;
          if (name !== undefined && names.has(name))
            at(nameNode, ProblemCode.DuplicateId, `tool name "${name}" is used twice`, 'give every tool a unique name');
          if (name !== undefined) names.add(name);
          const tool = checkTool(item, options, at, () => problems.length);
          if (tool !== undefined) tools.push(tool);
        }
      }
    }
  }
  if (problems.length > 0) throw new ToolsFileError(file, problems);
  return tools;
}

/**
 * Reads and validates a tools file.
 * @throws ToolsFileError for problems, or when the file cannot be read.
 */
export function loadToolsFile(file: string, options: ToolsFileOptions = {}): ToolDefSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const why = (cause as { code?: unknown }).code === 'ENOENT' ? 'no such file' : cause instanceof Error ? cause.message : String(cause);
    throw new ToolsFileError(
      file,
      [{ file, line: 1, col: 1, code: ProblemCode.Type, message: `cannot read the tools file: ${why}`, hint: 'check the path passed to --tools' }],
      { cause },
    );
  }
  return loadToolsText(text, file, options);
}

type Report = (node: unknown, code: ProblemCode, message: string, hint: string) => void;

function checkKeys(map: YAMLMap, allowed: readonly string[], at: Report): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!allowed.includes(key)) at(pair.key, ProblemCode.UnknownKey, `unknown key "${key}"`, `allowed keys: ${allowed.join(', ')}`);
  }
}

function checkTool(item: unknown, options: ToolsFileOptions, at: Report, count: () => number): ToolDefSpec | undefined {
  if (!isMap(item)) {
    at(item, ProblemCode.Type, 'a tool must be a mapping', 'write `- name: …`, `description: …`, `action: …`, `target_from: …`, `parameters: …`');
    return undefined;
  }
  const before = count();
  checkKeys(item, TOOL_KEYS, at);
  const text = (key: string, hint: string): string | undefined => {
    const node = item.get(key, true);
    if (node === undefined) at(item, ProblemCode.MissingKey, `missing \`${key}\``, hint);
    else if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') at(node, ProblemCode.Type, `\`${key}\` must be a non-empty string`, hint);
    else return node.value;
    return undefined;
  };
  const name = text('name', 'a function name matching ^[A-Za-z0-9_-]{1,64}$, e.g. read_file');
  if (name !== undefined && !NAME.test(name))
    at(
      item.get('name', true),
      ProblemCode.InvalidValue,
      `tool name "${name}" is not a valid function name`,
      'use letters, digits, _ and -, at most 64 characters',
    );
  const description = text('description', 'one sentence the model reads to decide when to use the tool');
  const action = text('action', 'the kernel action, e.g. fs.read');
  if (action !== undefined && options.actions && !options.actions.includes(action)) {
    at(item.get('action', true), ProblemCode.UnknownAction, `no provider of this worker executes "${action}"`, `use one of: ${options.actions.join(', ')}`);
  }
  const targetHint = 'the argument holding the target (`path`), or a template like `https://api.example.com/users/{id}`';
  if (item.has('target_from') && item.has('targetFrom'))
    at(
      item.get('targetFrom', true),
      ProblemCode.DuplicateKey,
      'both `target_from` and `targetFrom` are given',
      'keep one: `targetFrom` (or its alias `target_from`)',
    );
  const targetFrom = text(item.has('targetFrom') ? 'targetFrom' : 'target_from', targetHint);
  const parametersNode = item.get('parameters', true);
  const parameters = parametersNode === undefined ? undefined : ((parametersNode as Node).toJSON() as unknown);
  if (parametersNode === undefined)
    at(item, ProblemCode.MissingKey, 'missing `parameters`', 'a JSON Schema of the arguments, e.g. `{ type: object, properties: { path: { type: string } } }`');
  else if (!isMap(parametersNode)) at(parametersNode, ProblemCode.Type, '`parameters` must be a JSON Schema object', 'write a mapping such as `type: object`');
  else {
    const problem = schemaProblem(parameters);
    if (problem !== undefined)
      at(parametersNode, ProblemCode.InvalidValue, `\`parameters\` is not a valid JSON Schema: ${problem}`, 'fix the schema (see json-schema.org)');
  }
  const paramsNode = item.get('params', true);
  if (paramsNode !== undefined && !isMap(paramsNode))
    at(paramsNode, ProblemCode.Type, '`params` must be a mapping', 'fixed params the model cannot override, e.g. `method: GET`');
  if (count() > before || !name || description === undefined || !action || !targetFrom || !isMap(parametersNode)) return undefined;
  return {
    name,
    description,
    action,
    targetFrom,
    parameters: parameters as Record<string, unknown>,
    ...(paramsNode !== undefined ? { params: (paramsNode as Node).toJSON() as Record<string, unknown> } : {}),
  };
}

let ajv: Ajv | undefined;
function schemaProblem(schema: unknown): string | undefined {
  try {
    ajv ??= new (ajvClass())({ strict: false });
    ajv.compile(schema as object);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
