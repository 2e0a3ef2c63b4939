/**
 * The door of `agentRun`: the whole start input — every tool definition, the budgets, the
 * policy text, the ids — is checked before the run does anything, so bad input fails the
 * run at once as `Run.InvalidInput` naming the field and the expected shape, instead of
 * failing a workflow task later (which Temporal retries forever).
 *
 * The tool wire shape is documented in docs/usage.md ("Tool definitions"): `targetFrom`
 * is its name; `target_from` (the tools file's spelling) is accepted as an alias, so the
 * same JSON works from the Temporal CLI, the client and a tools file.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { checkShape, isRecord, type Field, type Shape } from './shape';
import type { ToolDefSpec } from './tool-defs';
import type { AgentRunInput } from './types';

/** Failure types of a run besides budgets. */
export const RunFailure = {
  /** The start input (or a tool definition in it) is malformed. */
  InvalidInput: 'Run.InvalidInput',
  /** The run's own policy does not load. */
  InvalidPolicy: 'Run.InvalidPolicy',
  /** Undo of a reversible action finally failed while the run unwound (details list them). */
  CompensationFailed: 'Run.CompensationFailed',
} as const;

/** The alias of `targetFrom` in tool definitions (the tools file's spelling). */
export const TARGET_FROM_ALIAS = 'target_from';

const positive = (what: string): Shape => ({ kind: 'integer', min: 1, expect: `a positive integer (${what})` });
const count = (what: string): Shape => ({ kind: 'integer', min: 0, expect: `a non-negative integer (${what})` });
const text = (expect: string, extra: Partial<{ nonEmpty: boolean; pattern: RegExp; maxLength: number }> = {}): Shape => ({ kind: 'string', expect, ...extra });
const list = (items: Shape, expect: string): Shape => ({ kind: 'array', items, expect });
const req = (shape: Shape): Field => ({ shape, required: true });
const opt = (shape: Shape): Field => ({ shape });

/** The wire shape of one tool definition. */
export const TOOL_SHAPE: Shape = {
  kind: 'object',
  expect: 'a tool definition { name, description, parameters, action, targetFrom, params? } (docs/usage.md, "Tool definitions")',
  fields: {
    name: req(text('a function name matching ^[A-Za-z0-9_-]{1,64}$, e.g. "read_file"', { pattern: /^[A-Za-z0-9_-]{1,64}$/ })),
    description: req(text('a string the model reads to decide when to use the tool')),
    parameters: req({ kind: 'record', expect: 'a JSON Schema object of the arguments, e.g. {"type":"object","properties":{"path":{"type":"string"}}}' }),
    action: req(text('a kernel action such as "fs.read" (lower case, dotted)', { pattern: /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/, maxLength: 128 })),
    targetFrom: req(
      text('the argument holding the target ("path") or a template such as "https://api.example.com/users/{id}" (alias: target_from)', {
        nonEmpty: true,
        maxLength: 4096,
      }),
    ),
    params: opt({ kind: 'record', expect: 'an object of fixed params the model cannot override' }),
    target: opt(text('a fixed target, e.g. "fs/read_text_file" for an MCP tool (targetFrom is then ignored)', { nonEmpty: true, maxLength: 4096 })),
    argumentsParam: opt(text('the param that carries the model\'s arguments as one object, e.g. "arguments" for mcp.call', { nonEmpty: true, maxLength: 64 })),
  },
};

const BUDGETS_SHAPE: Shape = {
  kind: 'object',
  expect: 'an object { maxTurns?, maxToolCalls?, maxModelTokens?, maxBytesWritten?, deadlineMs? }',
  fields: {
    maxTurns: opt(positive('model turns')),
    maxToolCalls: opt(positive('tool calls')),
    maxModelTokens: opt(positive('model tokens')),
    maxBytesWritten: opt(positive('bytes')),
    deadlineMs: opt(positive('milliseconds')),
  },
};

const CARRIED_SHAPE: Shape = {
  kind: 'object',
  expect: 'the state a run carries across continue-as-new (set by the workflow only)',
  fields: {
    messages: req(list({ kind: 'record', expect: 'a chat message' }, 'an array of chat messages')),
    actions: req(list({ kind: 'record', expect: 'an action summary' }, 'an array of action summaries')),
    compensations: req(list({ kind: 'record', expect: 'a compensation' }, 'an array of compensations')),
    usage: req({
      kind: 'object',
      expect: 'usage { turns, toolCalls, totalTokens, bytesWritten }',
      fields: { turns: req(count('turns')), toolCalls: req(count('tool calls')), totalTokens: req(count('tokens')), bytesWritten: req(count('bytes')) },
    }),
    actionSeq: req(count('the last action sequence number')),
    approvalSeq: opt(count('the last approval sequence number')),
    deadlineAt: opt(count('epoch milliseconds')),
    generation: req(count('continue-as-new generations')),
    history: opt({ kind: 'record', expect: "the run state of history-aware policy rules (set by the workflow's continue-as-new only)" }),
  },
};

/** The wire shape of `AgentRunInput`. */
export const AGENT_RUN_INPUT_SHAPE: Shape = {
  kind: 'object',
  expect: 'an object { prompt, instructions?, tools?, model?, maxTurns?, budgets?, policy?, workspaceQueue?, … } (docs/usage.md)',
  fields: {
    prompt: req(text("a non-empty string (the user's request)", { nonEmpty: true })),
    instructions: opt(text('a string (system instructions)')),
    tools: opt(list(TOOL_SHAPE, "an array of tool definitions (or leave it out: the worker's tools)")),
    model: opt(text('a non-empty model name', { nonEmpty: true, maxLength: 256 })),
    maxTurns: opt(positive('model turns')),
    budgets: opt(BUDGETS_SHAPE),
    policy: opt(text('the YAML text of a run policy', { nonEmpty: true })),
    workspaceQueue: opt(text('a task queue name', { nonEmpty: true, maxLength: 1000 })),
    approvalTimeoutMs: opt(positive('milliseconds')),
    continueAsNewAfterEvents: opt(positive('history events')),
    maxToolResultChars: opt(positive('characters')),
    maxTranscriptChars: opt(positive('characters')),
    workspaceStartTimeoutMs: opt(positive('milliseconds')),
    compensationTimeoutMs: opt(positive('milliseconds')),
    carried: opt(CARRIED_SHAPE),
  },
};

/**
 * Tool definitions in their canonical spelling: `target_from` becomes `targetFrom`.
 * Items that are not objects are left as they are (the shape check names them).
 */
export function normaliseTools(tools: unknown): { readonly tools: unknown; readonly problems: string[] } {
  if (!Array.isArray(tools)) return { tools, problems: [] };
  const problems: string[] = [];
  const out = tools.map((item: unknown, i) => {
    if (!isRecord(item) || !(TARGET_FROM_ALIAS in item)) return item;
    const { [TARGET_FROM_ALIAS]: alias, ...rest } = item;
    if ('targetFrom' in rest) {
      problems.push(`tools[${i}]: give targetFrom or its alias target_from, not both`);
      return rest;
    }
    return { ...rest, targetFrom: alias };
  });
  return { tools: out, problems };
}

/** Every problem of a raw start input, and the input with its tools in canonical spelling. */
export function inputProblems(raw: unknown): { readonly input: unknown; readonly problems: string[] } {
  if (!isRecord(raw)) return { input: raw, problems: checkShape(raw, AGENT_RUN_INPUT_SHAPE, '') };
  const normalised = normaliseTools(raw['tools']);
  const input = 'tools' in raw ? { ...raw, tools: normalised.tools } : raw;
  const problems = [...normalised.problems, ...checkShape(input, AGENT_RUN_INPUT_SHAPE, '')];
  if (problems.length === 0 && Array.isArray(input['tools'])) {
    const seen = new Set<string>();
    (input['tools'] as ToolDefSpec[]).forEach((t, i) => {
      if (seen.has(t.name)) problems.push(`tools[${i}].name: "${t.name}" is used by an earlier tool; expected unique names`);
      seen.add(t.name);
    });
  }
  return { input, problems };
}

/** The failure of a run whose input is invalid. */
export function invalidInput(problems: readonly string[], workflow = 'agentRun'): ApplicationFailure {
  return ApplicationFailure.create({
    type: RunFailure.InvalidInput,
    message: `invalid ${workflow} input: ${problems.join('; ')}`,
    nonRetryable: true,
    details: [{ problems }],
  });
}

/**
 * Checks a start input at the door.
 * @returns the input with tool definitions in canonical spelling.
 * @throws ApplicationFailure `Run.InvalidInput` (non-retryable) listing every problem.
 */
export function checkAgentRunInput(raw: unknown): AgentRunInput {
  const { input, problems } = inputProblems(raw);
  if (problems.length > 0) throw invalidInput(problems);
  return input as AgentRunInput;
}
