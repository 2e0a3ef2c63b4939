/**
 * Size discipline for the transcript sent to the model: when it exceeds its budget, the
 * contents of the oldest tool results are elided first (the structure — which call got
 * which answer — stays, as the chat API requires). Pure and deterministic.
 */
import type { ChatMessage } from '../model/types';

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

/** Returns the transcript to send: unchanged when within `maxChars`, else with the oldest tool outputs elided. */
export function budgetTranscript(messages: readonly ChatMessage[], maxChars: number): ChatMessage[] {
  const out = [...messages];
  let size = transcriptSize(out);
  for (let i = 0; i < out.length && size > maxChars; i++) {
    const m = out[i]!;
    if (m.role !== 'tool' || m.content === ELIDED) continue;
    size -= m.content.length - ELIDED.length;
    out[i] = { ...m, content: ELIDED };
  }
  return out;
}

/** Caps a text at `maxChars`, saying how much was cut. */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} characters]`;
}
