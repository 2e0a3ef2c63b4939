/**
 * Reading raw history with the codec a client was built with: the CLI's progress printing,
 * `audit export` and `rollback` read history events themselves, so they must decode them
 * the way the client's data converter would.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { LoadedDataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { decodeHistory } from './decode-history';

/** Anything carrying a client's loaded data converter (`Client`, `WorkflowClient`). */
export interface WithDataConverter {
  readonly options: { readonly loadedDataConverter: LoadedDataConverter };
}

/** The client's payload codecs as one codec (decoding runs them last to first, as the SDK does). */
export function clientCodec(client: WithDataConverter): PayloadCodec {
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      for (const codec of codecs) payloads = await codec.encode(payloads);
      return payloads;
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
      return payloads;
    },
  };
}

/**
 * A run's history, decoded with the handle's client codec.
 * @throws the codec's errors (`Codec.NoKeys`, `Codec.UnknownKey`, …) when the history cannot be decrypted here.
 */
export async function fetchDecodedHistory(handle: WorkflowHandle): Promise<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>> {
  return decodeHistory(await handle.fetchHistory(), clientCodec(handle.client));
}
