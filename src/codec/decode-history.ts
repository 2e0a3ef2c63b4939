/**
 * Decoding a whole run history with the codec — for `audit export`, `rollback`, progress
 * printing and replay of encrypted histories. Every payload field of every event (inputs,
 * results, markers, memo, user metadata, failure attributes) goes through the codec's
 * `decode`, found by the SDK's generated payload visitor (so no field is missed); failure
 * messages moved into encoded attributes are put back in place.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { visit, walkGetWorkflowExecutionHistoryResponse } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/**
 * Decodes `history` in place and returns it.
 * @throws the codec's errors (`Codec.NoKeys`, `Codec.UnknownKey`, `Codec.Tampered`, `Codec.Malformed`) — never a half-decoded history.
 * @example
 * const history = await decodeHistory(await handle.fetchHistory(), new AesGcmCodec(keyRingFromEnv()));
 */
export async function decodeHistory<H extends History>(history: H, codec: PayloadCodec): Promise<H> {
  await visit({ history }, walkGetWorkflowExecutionHistoryResponse, {
    transformPayload: async (payload) => (await codec.decode([payload as Payload]))[0] as typeof payload,
    transformPayloads: async (payloads) => (await codec.decode(payloads as Payload[])) as typeof payloads,
  });
  restoreFailureMessages(history);
  return history;
}

/** Puts `message` and `stackTrace` back from decoded `encodedAttributes` (recursively: causes too). */
function restoreFailureMessages(node: unknown): void {
  if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
  if (Array.isArray(node)) {
    for (const item of node) restoreFailureMessages(item);
    return;
  }
  const record = node as Record<string, unknown>;
  const attrs = record['encodedAttributes'] as Payload | null | undefined;
  if (attrs && typeof record['message'] === 'string') {
    try {
      const value = defaultPayloadConverter.fromPayload<{ message?: unknown; stack_trace?: unknown }>(attrs);
      if (typeof value?.message === 'string') record['message'] = value.message;
      if (typeof value?.stack_trace === 'string') record['stackTrace'] = value.stack_trace;
    } catch {
      /* not the expected schema: leave the failure as recorded */
    }
  }
  for (const value of Object.values(record)) restoreFailureMessages(value);
}
