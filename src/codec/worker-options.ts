/**
 * The worker options that make a worker encrypt and decrypt with the codec: its data
 * converter, checked against a prebuilt workflow bundle (a bundle made without the codec's
 * failure converter would write workflow failure messages in plaintext, so it is refused).
 */
import type { DataConverter } from '@temporalio/common';
import { bundleHasCodecFailureConverter, codecDataConverter } from './data-converter';
import { CodecKeyConfigError } from './errors';
import { keyRingFromEnv, type KeyRing } from './key-ring';

/**
 * `{ dataConverter }` for `Worker.create`: the codec over `keys` (default: the environment's).
 * @throws CodecKeyConfigError when keys are configured and `bundle` lacks the codec's failure converter;
 *   CodecKeyConfigError from reading the environment's keys.
 */
export function workerCodecOptions(keys: KeyRing | undefined, bundle?: { readonly code: string }): { dataConverter: DataConverter } {
  const ring = keys ?? keyRingFromEnv();
  if (ring !== undefined && bundle !== undefined && !bundleHasCodecFailureConverter(bundle)) {
    throw new CodecKeyConfigError(
      ring.source,
      `codec keys are configured but the prebuilt workflow bundle has no codec failure converter, so workflow failure messages would stay readable in history — ` +
        `bundle with bundleWorkflowCode({ workflowsPath, failureConverterPath: CODEC_FAILURE_CONVERTER_PATH }) or let the worker bundle (no workflowBundle)`,
    );
  }
  return { dataConverter: codecDataConverter(ring) };
}
