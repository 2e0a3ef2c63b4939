/**
 * `--model scripted:FILE`: a JSON (or YAML) script of model replies, served by the
 * project's scripted OpenAI-compatible server on loopback, so `worker`, `run` (through a
 * worker) and `AgentLoop` can be tried without an API key. Every run replays the script
 * from its first reply: reply N answers the run's N-th model call.
 *
 * ```json
 * [
 *   { "toolCalls": [{ "name": "read_file", "arguments": { "path": "/workspace/data.csv" } }] },
 *   { "content": "The file has 2 rows." },
 *   { "error": { "status": 503, "message": "try later" } }
 * ]
 * ```
 */
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from './scripted-server';
import type { ModelConfig } from '../model/config';
import { loadSchemaFile } from '../cli/schema-file';

/** The prefix of `--model` that names a script file. */
export const SCRIPTED_PREFIX = 'scripted:';

const toolCall = {
  type: 'object',
  required: ['name', 'arguments'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1 }, arguments: {}, id: { type: 'string' } },
};

/** JSON Schema of a script file. */
export const SCRIPT_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      content: { type: 'string' },
      toolCalls: { type: 'array', items: toolCall },
      error: {
        type: 'object',
        required: ['status'],
        additionalProperties: false,
        properties: { status: { type: 'integer', minimum: 400, maximum: 599 }, message: { type: 'string' } },
      },
      usage: {
        type: 'object',
        required: ['prompt', 'completion'],
        additionalProperties: false,
        properties: { prompt: { type: 'integer' }, completion: { type: 'integer' } },
      },
    },
  },
} as const;

interface ScriptLine {
  readonly content?: string;
  readonly toolCalls?: ReadonlyArray<{ name: string; arguments: unknown; id?: string }>;
  readonly error?: { status: number; message?: string };
  readonly usage?: { prompt: number; completion: number };
}

/** Reads a script file. @throws CliError (exit 2) with file:line:col problems. */
export function loadScript(file: string): ScriptStep[] {
  const lines = loadSchemaFile<ScriptLine[]>(
    file,
    SCRIPT_SCHEMA,
    'a script is a list of replies: { "content": "…" }, { "toolCalls": [{ "name": …, "arguments": {…} }] } or { "error": { "status": 503 } }',
  );
  return lines.map((l): ScriptStep => {
    if (l.error) return { error: { status: l.error.status, ...(l.error.message !== undefined ? { message: l.error.message } : {}) } };
    return {
      reply: { ...(l.content !== undefined ? { content: l.content } : {}), ...(l.toolCalls ? { toolCalls: l.toolCalls } : {}) },
      ...(l.usage ? { usage: l.usage } : {}),
    };
  });
}

/** A scripted model server and the model config that points at it. */
export interface ScriptedModel {
  readonly config: ModelConfig;
  readonly file: string;
  close(): Promise<void>;
}

/**
 * Starts a scripted model for `--model scripted:FILE` (undefined for any other model name).
 * @throws CliError (exit 2) when the file is missing or invalid.
 */
export async function startScriptedModel(model: string | undefined): Promise<ScriptedModel | undefined> {
  if (model === undefined || !model.startsWith(SCRIPTED_PREFIX)) return undefined;
  const file = model.slice(SCRIPTED_PREFIX.length);
  const steps = loadScript(file);
  // Reply N answers a run's N-th model call: count the assistant turns the run has had.
  const server = await ScriptedModelServer.start((request: ReceivedRequest) => steps[request.messages.filter((m) => m.role === 'assistant').length]);
  return { file, config: { baseURL: server.baseURL, apiKey: 'scripted', model: 'scripted' }, close: () => server.close() };
}
