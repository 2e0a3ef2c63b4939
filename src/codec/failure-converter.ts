/**
 * The failure converter used when a codec key is configured: failure messages and stack
 * traces move into `encodedAttributes`, a payload the codec encrypts, so they are not
 * readable in history without the keys (a failure's type, e.g. `Policy.Denied`, stays
 * readable). Loaded by path (`failureConverterPath`) by workers, clients and the workflow
 * bundler — so this module imports nothing but `@temporalio/common` (it runs in the sandbox).
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** Marker the workflow bundle contains when this converter was bundled into it. */
export const CODEC_FAILURE_CONVERTER_MARKER = 'agent-os-codec-failure-converter/v1';

class CodecFailureConverter extends DefaultFailureConverter {
  /** See {@link CODEC_FAILURE_CONVERTER_MARKER}. */
  readonly marker = CODEC_FAILURE_CONVERTER_MARKER;
}

/** The failure converter (the export name the SDK looks for). */
export const failureConverter = new CodecFailureConverter({ encodeCommonAttributes: true });
