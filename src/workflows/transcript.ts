/**
 * Size discipline for the transcript sent to the model: when it exceeds its budget, the
 * contents of the oldest tool results are elided first (the structure — which call got
 * which answer — stays, as the chat API requires). Pure and deterministic.
 */
import type { ChatMessage, ToolCall } from '../model/types';

/** Placeholder for an elided tool result. */
export const ELIDED = '[earlier tool output elided to fit the transcript budget]';

/** Total characters of message contents. */
export function transcriptSize(messages: readonly ChatMessage[]): number {
  let size = 0;
  for (const m of messages) {
    size += m.content?.length ?? 0;
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) size += c.arguments.length + c.name.length + (c.sent?.length ?? 0);
  }
  return size;
}

/** Placeholder for the elided arguments of an earlier tool call (valid JSON, as arguments are). */
export const ELIDED_ARGUMENTS = JSON.stringify({ elided: '[earlier tool-call arguments elided to fit the transcript budget]' });

/** Longest tool-call name or assistant text kept when the model's own messages are elided. */
const KEPT_CHARS = 200;

/**
 * Returns the transcript to send: unchanged when within `maxChars`, else with the oldest tool
 * outputs elided, then — when that is not enough — the model's own earlier messages, oldest
 * first: its text, its tool calls' arguments (and a call of another type, sent back with its
 * id, type and name only), and a tool name longer than 200 characters cut. Before, only tool
 * outputs were elided: a model repeating ~1 MB of arguments per turn grew the model call's
 * input and the continue-as-new input past Temporal's payload limit, and the run's workflow
 * task failed again and again — wedged, never compensated (red team 14d).
 */
export function budgetTranscript(messages: readonly ChatMessage[], maxChars: number): ChatMessage[] {
  const out = [...messages];
  let size = transcriptSize(out);
  for (let i = 0; i < out.length && size > maxChars; i++) {
    const m = out[i]!;
    if (m.role !== 'tool' || m.content === ELIDED) continue;
    size -= m.content.length - ELIDED.length;
    out[i] = { ...m, content: ELIDED };
  }
  for (let i = 0; i < out.length && size > maxChars; i++) {
    const m = out[i]!;
    if (m.role !== 'assistant') continue;
    const elided = elideAssistant(m);
    size -= transcriptSize([m]) - transcriptSize([elided]);
    out[i] = elided;
  }
  return out;
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function elideAssistant(m: AssistantMessage): AssistantMessage {
  const content = m.content !== null && m.content.length > KEPT_CHARS ? capText(m.content, KEPT_CHARS) : m.content;
  const calls = m.toolCalls?.map(elideCall);
  return { ...m, content, ...(calls !== undefined ? { toolCalls: calls } : {}) };
}

function elideCall(c: ToolCall): ToolCall {
  const name = c.name.length > KEPT_CHARS ? capText(c.name, KEPT_CHARS) : c.name;
  if (c.sent === undefined) return { ...c, name, arguments: c.arguments.length > ELIDED_ARGUMENTS.length ? ELIDED_ARGUMENTS : c.arguments };
  if (c.sent.length <= ELIDED_ARGUMENTS.length + name.length + 100) return { ...c, name };
  // A call of another type is named `<type>:<name>` (src/model/chat.ts): sent back as that type, its input elided.
  const colon = name.indexOf(':');
  const type = colon === -1 ? 'untyped' : name.slice(0, colon);
  const sent = JSON.stringify({ id: '', type, [type]: { name: name.slice(colon + 1), input: ELIDED } });
  return { ...c, name, sent };
}

/** Caps a text at `maxChars`, saying how much was cut. */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} characters]`;
}
