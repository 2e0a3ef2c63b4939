/**
 * The data converter every agent-os worker and client uses: the AES-GCM codec over the
 * configured key ring, and — when keys are configured — the failure converter that moves
 * failure messages into encrypted attributes.
 */
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec';
import { CODEC_FAILURE_CONVERTER_MARKER } from './failure-converter';
import type { KeyRing } from './key-ring';

/** Path of the compiled failure converter module (for `bundleWorkflowCode({ failureConverterPath })`). */
export const CODEC_FAILURE_CONVERTER_PATH = path.join(__dirname, 'failure-converter.js');

/**
 * The data converter for a key ring. Without a ring payloads stay plaintext, but encrypted
 * ones are refused with `Codec.NoKeys` rather than handed on undecoded.
 * @example
 * const client = new Client({ connection, dataConverter: codecDataConverter(keyRingFromEnv()) });
 */
export function codecDataConverter(ring: KeyRing | undefined): DataConverter {
  return {
    payloadCodecs: [new AesGcmCodec(ring)],
    ...(ring !== undefined ? { failureConverterPath: CODEC_FAILURE_CONVERTER_PATH } : {}),
  };
}

/**
 * True when a prebuilt workflow bundle contains the codec's failure converter. A bundle
 * without it would write workflow failure messages in plaintext.
 */
export function bundleHasCodecFailureConverter(bundle: { readonly code: string }): boolean {
  return bundle.code.includes(CODEC_FAILURE_CONVERTER_MARKER);
}
