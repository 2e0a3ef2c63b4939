/**
 * The chat-model contract shared by workflow code (as types) and the model activity.
 * A subset of OpenAI's chat-completions shapes: what the agent loop needs, JSON-safe.
 */

/** A function call the model asked for. `arguments` is the raw JSON text from the model. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
  /**
   * A call of another type than `function` (an OpenAI `custom` tool call, or a type unknown
   * here): the call as the endpoint sent it (with `id`), as JSON text, sent back as is in the
   * transcript. Its `name` is then `<type>:<name>`, which no tool's name can match, so the run
   * refuses it as an unknown tool, with its one audit record and an answer to the model.
   */
  readonly sent?: string;
}

/** One message of the transcript. */
export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string | null; readonly toolCalls?: readonly ToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** A tool as the model sees it (name, description, JSON-schema parameters). */
export interface ModelTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Input of the model activity. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ModelTool[];
  /** Overrides the worker's default model name. */
  readonly model?: string;
}

/** Output of the model activity. */
export interface ModelReply {
  readonly message: Extract<ChatMessage, { role: 'assistant' }>;
  readonly model: string;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number; readonly totalTokens: number };
}
