/**
 * Payload encryption for Temporal history: the AES-256-GCM codec, its key ring, the data
 * converter workers and clients use, history decoding, and the codec server.
 */
export { AesGcmCodec } from './aes-gcm-codec';
export { type KeyRing, keyRingFromEnv, newKeyLine, parseKeyRing, readKeyRingFile } from './key-ring';
export { CODEC_FAILURE_CONVERTER_PATH, codecDataConverter } from './data-converter';
export { decodeHistory, ownerFromStart, type HistoryOwner } from './decode-history';
export { fetchDecodedHistory } from './client-codec';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './server';
export {
  CodecError,
  CodecErrorCode,
  CodecKeyConfigError,
  CodecMalformedError,
  CodecMisplacedError,
  CodecNoKeysError,
  CodecPlaintextError,
  CodecTamperedError,
  CodecUnboundError,
  CodecUnknownKeyError,
} from './errors';
