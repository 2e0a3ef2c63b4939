/**
 * One chat-completions call through the `openai` client, converting between the
 * project's JSON-safe transcript (types.ts) and OpenAI's wire shapes. Retries are left
 * to Temporal (`maxRetries: 0`), so every attempt is visible in the run's history.
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
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
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).flatMap((call, i) =>
      call.type === 'function'
        ? [{ id: textOf(call.id, `call_${i}`), name: textOf(call.function?.name, ''), arguments: argumentsText(call.function?.arguments) }]
        : [],
    );
    return {
      message: { role: 'assistant', content: choice.message.content ?? null, ...(toolCalls.length ? { toolCalls } : {}) },
      model: completion.model || model,
      usage: {
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        totalTokens: completion.usage?.total_tokens ?? 0,
      },
    };
  };
}

/** A string field of the reply as a string (`fallback` when absent). */
function textOf(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? fallback : String(value);
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
        ...(message.toolCalls?.length
          ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
          : {}),
      };
  }
}
