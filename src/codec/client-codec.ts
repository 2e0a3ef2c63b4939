/**
 * Reading raw history with the codec a client was built with: the CLI's progress printing,
 * `audit export` and `rollback` read history events themselves, so they must decode them
 * the way the client's data converter would.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { LoadedDataConverter, Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { decodeHistory, type HistoryOwner } from './decode-history';

/** Anything carrying a client's loaded data converter (`Client`, `WorkflowClient`). */
export interface WithDataConverter {
  readonly options: { readonly loadedDataConverter: LoadedDataConverter };
}

/** The client's payload codecs as one codec (decoding runs them last to first, as the SDK does). */
export function clientCodec(client: WithDataConverter): PayloadCodec {
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  return {
    async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
      for (const codec of codecs) payloads = await codec.encode(payloads, context);
      return payloads;
    },
    async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads, context);
      return payloads;
    },
  };
}

/**
 * A run's history, decoded with the handle's client codec, each payload checked against the
 * workflow (the handle's id and the client's namespace) and activity it is recorded for.
 * @throws the codec's errors (`Codec.NoKeys`, `Codec.UnknownKey`, `Codec.Misplaced`, …) when the history cannot be decrypted here.
 */
export async function fetchDecodedHistory(handle: WorkflowHandle): Promise<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>> {
  return decodeHistory(await handle.fetchHistory(), clientCodec(handle.client), historyOwner(handle.client, handle.workflowId));
}

/** The owner of a run's history as read through `client`: its namespace and the workflow id asked for. */
export function historyOwner(client: WithDataConverter & { readonly options: { readonly namespace: string } }, workflowId: string): HistoryOwner {
  return { namespace: client.options.namespace, workflowId };
}
