/**
 * Decoding a whole run history with the codec — for `audit export`, `rollback`, progress
 * printing and replay of encrypted histories. Every payload field of every event (inputs,
 * results, markers, memo, user metadata, failure attributes) goes through the codec's
 * `decode`, found by the SDK's generated payload visitor (so no field is missed), with the
 * serialization context of the workflow or activity it is recorded for (history-contexts.ts)
 * — so a payload moved from another run or activity is refused (`Codec.Misplaced`) as the
 * worker refuses it. Headers and search attributes are never codec-encoded (the SDK skips
 * them) and are left as recorded, as is core's own marker data. Failure messages moved into
 * encoded attributes are put back in place.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { visit, walkGetWorkflowExecutionHistoryResponse } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { CONTEXT_METADATA, parseBinding, type Binding } from './binding';
import { CORE_DATA, historyContextDeriver, type HistoryOwner, type PayloadPlace } from './history-contexts';

export type { HistoryOwner } from './history-contexts';

type History = temporal.api.history.v1.IHistory;

/**
 * Decodes `history` in place and returns it. With `owner` (the namespace and workflow id
 * the history was fetched for) every payload is checked against where it is recorded;
 * without, payloads are only authenticated (and, in strict mode, must be encrypted and bound).
 * @throws the codec's errors (`Codec.NoKeys`, `Codec.UnknownKey`, `Codec.Tampered`, `Codec.Malformed`,
 *   `Codec.Misplaced`; strict: `Codec.Plaintext`, `Codec.Unbound`) — never a half-decoded history.
 * @example
 * const history = await decodeHistory(await handle.fetchHistory(), new AesGcmCodec(keyRingFromEnv()), { namespace: 'default', workflowId: handle.workflowId });
 */
export async function decodeHistory<H extends History>(history: H, codec: PayloadCodec, owner?: HistoryOwner): Promise<H> {
  await visit<{ history: H }, PayloadPlace>({ history }, walkGetWorkflowExecutionHistoryResponse, {
    transformPayload: async (payload, place) =>
      place?.type === CORE_DATA.type ? payload : ((await codec.decode([payload as Payload], place))[0] as typeof payload),
    transformPayloads: async (payloads, place) =>
      place?.type === CORE_DATA.type ? payloads : ((await codec.decode(payloads as Payload[], place)) as typeof payloads),
    deriveContext: historyContextDeriver(owner),
    skipHeaders: true,
    skipSearchAttributes: true,
  });
  restoreFailureMessages(history);
  return history;
}

/**
 * The owner a history names for itself: the workflow its start input is bound to (for files
 * exported without their workflow id) — or, when that payload is not bound to a workflow, the
 * workflow the first bound payload of the history names (an activity's binding names its
 * workflow too), so rewriting or removing the start input does not turn the other payloads'
 * place checks off. Payloads moved in from another workflow are then refused; a history whose
 * every payload was replaced is not told apart. Undefined when no payload is bound.
 */
export function ownerFromStart(history: History): HistoryOwner | undefined {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return ownerOf(payload ? bindingIn(payload) : undefined) ?? ownerOf(firstBinding(history.events ?? []));
}

function ownerOf(binding: Binding | undefined): HistoryOwner | undefined {
  const workflowId = binding?.[2];
  return binding && typeof workflowId === 'string' ? { namespace: binding[1], workflowId } : undefined;
}

function bindingIn(payload: { metadata?: { [k: string]: Uint8Array } | null }): Binding | undefined {
  const bytes = payload.metadata?.[CONTEXT_METADATA];
  return bytes ? parseBinding(Buffer.from(bytes).toString('utf8')) : undefined;
}

/** The first payload binding naming a workflow, in event order (depth first). */
function firstBinding(node: unknown): Binding | undefined {
  if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return undefined;
  const metadata = (node as { metadata?: unknown }).metadata;
  if (metadata !== null && typeof metadata === 'object' && CONTEXT_METADATA in metadata) {
    const found = bindingIn(node as { metadata: { [k: string]: Uint8Array } });
    if (ownerOf(found)) return found;
  }
  for (const value of Array.isArray(node) ? node : Object.values(node)) {
    const found = firstBinding(value);
    if (found) return found;
  }
  return undefined;
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
