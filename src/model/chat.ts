/**
 * One chat-completions call through the `openai` client, converting between the
 * project's JSON-safe transcript (types.ts) and OpenAI's wire shapes. Retries are left
 * to Temporal (`maxRetries: 0`), so every attempt is visible in the run's history.
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall, ChatCompletionTool } from 'openai/resources/chat/completions';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelConfig } from './config';
import { ModelFailure, toModelFailure } from './errors';
import { modelFetch } from './fetch';
import type { ChatMessage, ModelReply, ModelRequest, ToolCall } from './types';

/** A function that sends one model request. */
export type Chat = (request: ModelRequest, signal?: AbortSignal) => Promise<ModelReply>;

/**
 * Builds a {@link Chat} for an OpenAI-compatible endpoint.
 * @throws ApplicationFailure (types in {@link ModelFailure}) from the returned function.
 */
export function createChat(config: ModelConfig): Chat {
  return createChatWith(config, modelFetch);
}

/** {@link createChat} with the given `fetch` (bench/model-call.ts compares transports with it). */
export function createChatWith(config: ModelConfig, fetch: typeof globalThis.fetch): Chat {
  const client = new OpenAI({
    apiKey: config.apiKey ?? 'not-needed',
    fetch,
    maxRetries: 0,
    timeout: config.timeoutMs ?? 120_000,
    ...(config.baseURL ? { baseURL: config.baseURL } : {}),
  });
  return async (request, signal) => {
    const model = request.model ?? config.model;
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create(
        {
          model,
          messages: request.messages.map(toWire),
          ...(request.tools.length
            ? {
                tools: request.tools.map((t): ChatCompletionTool => ({
                  type: 'function',
                  function: { name: t.name, description: t.description, parameters: { ...t.parameters } },
                })),
              }
            : {}),
        },
        signal ? { signal } : undefined,
      );
    } catch (err) {
      throw toModelFailure(err, { url: config.baseURL ?? 'https://api.openai.com/v1', setting: config.baseURLSetting ?? 'OPENAI_BASE_URL' });
    }
    const choice = completion.choices[0];
    if (!choice) {
      throw ApplicationFailure.create({ type: ModelFailure.BadReply, message: 'model reply has no choices', nonRetryable: false });
    }
    // Every field a string whatever the endpoint sent (some send `arguments` as an object): the
    // workflow maps these in its sandbox, where a TypeError would fail its task again and again.
    // Calls of another type are kept too (never dropped silently): the run refuses and records them.
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((call: unknown, i) => toolCallOf(call, i));
    return {
      // Text whatever the endpoint sent (an object or array as JSON text): the workflow measures and cuts it.
      message: { role: 'assistant', content: contentOf(choice.message.content), ...(toolCalls.length ? { toolCalls } : {}) },
      model: completion.model || model,
      usage: usageOf(completion.usage),
    };
  };
}

/**
 * The reply's token counts as non-negative integers, the total at least prompt + completion:
 * the run's `maxModelTokens` budget adds these up in workflow code. An endpoint that leaves
 * `total_tokens` out (it counted 0), sends a negative one (it paid back earlier turns), or a
 * string (`0 + "x"` made the run's count a string no budget compares against) no longer
 * slips past the budget that way (red team 14d).
 */
function usageOf(usage: unknown): ModelReply['usage'] {
  const u = isObject(usage) ? usage : {};
  const promptTokens = tokenCount(u['prompt_tokens']);
  const completionTokens = tokenCount(u['completion_tokens']);
  const totalTokens = Math.max(tokenCount(u['total_tokens']), promptTokens + completionTokens);
  return { promptTokens, completionTokens, totalTokens };
}

/** A token count as sent when it is a non-negative finite number (rounded up), else 0. */
function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : 0;
}

/**
 * One tool call of the reply as a {@link ToolCall}. A call of another type than `function`
 * (OpenAI's `custom` tools, or a type unknown here) is named `<type>:<name>` — never a tool's
 * name (`^[A-Za-z0-9_-]{1,64}$`), so every run, whatever its workflow code, refuses and records
 * it as an unknown tool — and keeps the call as sent, to send it back in the transcript.
 */
function toolCallOf(raw: unknown, i: number): ToolCall {
  const call = isObject(raw) ? raw : {};
  const id = shortId(textOf(call['id'], `call_${i}`), i);
  // No type but a `function` body (some OpenAI-compatible servers leave `type` out): a function call.
  const type = call['type'] === undefined && isObject(call['function']) ? 'function' : textOf(call['type'], '');
  const body = Object.hasOwn(call, type) ? call[type] : undefined;
  const inner = isObject(body) ? body : {};
  if (type === 'function') return { id, name: textOf(inner['name'], ''), arguments: argumentsText(inner['arguments']) };
  // The whole call (with a custom tool's text input) travels once, in `sent`.
  return { id, name: `${type || 'untyped'}:${textOf(inner['name'], '')}`, arguments: '', sent: sentText(call, id, type) };
}

/** Longest tool-call id kept as sent. */
const MAX_ID_LENGTH = 64;

/**
 * The call's id, or for a longer one a short id of its own (`call_<i>_<sha256 prefix>`): the id
 * goes back to the endpoint twice per model call (the call and its answer), and an id of a
 * megabyte or two took the next model call's input past Temporal's payload limit — the run's
 * workflow task failed again and again (red team 14d). The call and its answer share the new id.
 */
function shortId(id: string, i: number): string {
  return id.length <= MAX_ID_LENGTH ? id : `call_${i}_${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/** The call as JSON text, with its `id` (just the id and type when it cannot be serialised, e.g. nested too deeply). */
function sentText(call: Record<string, unknown>, id: string, type: string): string {
  try {
    return JSON.stringify({ ...call, id });
  } catch {
    return JSON.stringify({ id, type });
  }
}

/** The reply's text: a string as sent, `null` when absent, anything else as JSON text. */
function contentOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : argumentsText(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field of the reply as a string (`fallback` when absent; an object as JSON text, never its `toString`). */
function textOf(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'object') return String(value);
  const text = argumentsText(value);
  return text === '' ? fallback : text;
}

/** The arguments as JSON text: a string as sent, anything else serialised (`''` when absent or not serialisable). */
function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function toWire(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls?.length ? { tool_calls: message.toolCalls.map(toolCallToWire) } : {}),
      };
  }
}

/** A tool call as the endpoint sent it: a function call, or another call exactly as it came. */
function toolCallToWire(call: ToolCall): ChatCompletionMessageToolCall {
  if (call.sent !== undefined) {
    try {
      const sent: unknown = JSON.parse(call.sent);
      if (typeof sent === 'object' && sent !== null && !Array.isArray(sent)) return { ...(sent as ChatCompletionMessageToolCall), id: call.id };
    } catch {
      // Not JSON (an edited history): sent as a function call of its name below.
    }
  }
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}
