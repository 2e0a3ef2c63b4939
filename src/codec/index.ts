/**
 * Payload encryption for Temporal history: the AES-256-GCM codec, its key ring, the data
 * converter workers and clients use, history decoding, and the codec server.
 */
export { AesGcmCodec, CIPHER, CIPHER_METADATA, ENCRYPTED_ENCODING, KEY_ID_METADATA, isEncrypted, payloadKeyId } from './aes-gcm-codec';
export {
  CODEC_KEYS_ENV,
  CODEC_KEYS_FILE_ENV,
  KEY_BYTES,
  KEY_ID_PATTERN,
  type KeyRing,
  ensureKeyRingFile,
  keyRingFromEnv,
  newKeyLine,
  parseKeyRing,
  readKeyRingFile,
} from './key-ring';
export { CODEC_FAILURE_CONVERTER_PATH, bundleHasCodecFailureConverter, codecDataConverter } from './data-converter';
export { workerCodecOptions } from './worker-options';
export { decodeHistory } from './decode-history';
export { clientCodec, fetchDecodedHistory, type WithDataConverter } from './client-codec';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './server';
export { CodecError, CodecErrorCode, CodecKeyConfigError, CodecMalformedError, CodecNoKeysError, CodecTamperedError, CodecUnknownKeyError } from './errors';
