/**
 * Errors of the payload codec and its key ring. Each names the key id involved (never key
 * material) and says how to fix it. A payload that fails to decode is never passed on: the
 * worker fails the workflow or activity task instead, and it is retried once the key is there.
 */
import { AgentOsError } from '../errors';

/** Name of the strict-mode variable, for messages (key-ring.ts owns the setting as CODEC_STRICT_ENV). */
const CODEC_STRICT_ENV_NAME = 'AGENT_OS_CODEC_STRICT';

/** Stable codes of {@link CodecError}s. */
export const CodecErrorCode = {
  /** The keys file or variable cannot be read or has a bad line. */
  KeyConfig: 'Codec.KeyConfig',
  /** An encrypted payload names a key id that is not in the key ring. */
  UnknownKey: 'Codec.UnknownKey',
  /** An encrypted payload does not authenticate under the key its id names (tampered, or a different key under that id). */
  Tampered: 'Codec.Tampered',
  /** An encrypted payload lacks its key id, is truncated, or its content is not a payload. */
  Malformed: 'Codec.Malformed',
  /** An encrypted payload was met but no keys are configured at all. */
  NoKeys: 'Codec.NoKeys',
  /** Strict mode: a plaintext payload was read where every payload must be encrypted. */
  Plaintext: 'Codec.Plaintext',
  /** Strict mode: an encrypted payload carries no binding to its workflow/activity (written before bindings, format v1, or without a serialization context). */
  Unbound: 'Codec.Unbound',
  /** An encrypted payload is bound to another workflow or activity than the one it is read for (moved there). */
  Misplaced: 'Codec.Misplaced',
} as const;

/** One of {@link CodecErrorCode}'s values. */
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

/** The base of every codec error. */
export abstract class CodecError extends AgentOsError {
  abstract override readonly code: CodecErrorCode;
}

/** A keys file or `AGENT_OS_CODEC_KEYS` value cannot be used (the message names the source and line). */
export class CodecKeyConfigError extends CodecError {
  readonly code = CodecErrorCode.KeyConfig;
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
  }
}

/** An encrypted payload names a key id the key ring does not hold. */
export class CodecUnknownKeyError extends CodecError {
  readonly code = CodecErrorCode.UnknownKey;
  constructor(
    readonly keyId: string,
    readonly known: readonly string[],
  ) {
    super(
      `${CodecErrorCode.UnknownKey}: payload encrypted with key "${keyId}", which is not configured (configured: ${known.join(', ') || 'none'}) — ` +
        `add the line "${keyId}:<base64 key>" to the keys file (AGENT_OS_CODEC_KEYS_FILE / --codec-keys) or AGENT_OS_CODEC_KEYS; keep retired keys as long as runs encrypted with them are kept`,
    );
  }
}

/** An encrypted payload failed AES-GCM authentication under the key its id names. */
export class CodecTamperedError extends CodecError {
  readonly code = CodecErrorCode.Tampered;
  constructor(
    readonly keyId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${CodecErrorCode.Tampered}: payload encrypted with key "${keyId}" does not authenticate — it was changed after encryption, ` +
        `or the key configured as "${keyId}" is not the key it was encrypted with (check the keys file on this host)`,
      options,
    );
  }
}

/** An encrypted payload is malformed (no key id, too short, or not a payload inside). */
export class CodecMalformedError extends CodecError {
  readonly code = CodecErrorCode.Malformed;
  constructor(
    readonly keyId: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${CodecErrorCode.Malformed}: encrypted payload${keyId ? ` (key "${keyId}")` : ''} is malformed: ${detail}`, options);
  }
}

/** An encrypted payload was met but this process has no codec keys. */
export class CodecNoKeysError extends CodecError {
  readonly code = CodecErrorCode.NoKeys;
  constructor(readonly keyId: string) {
    super(
      `${CodecErrorCode.NoKeys}: payload encrypted with key "${keyId}" but no codec keys are configured — ` +
        'set AGENT_OS_CODEC_KEYS_FILE (or --codec-keys FILE) to the keys file the workers use, or AGENT_OS_CODEC_KEYS',
    );
  }
}

/** Strict mode: a plaintext payload where only encrypted ones are accepted. */
export class CodecPlaintextError extends CodecError {
  readonly code = CodecErrorCode.Plaintext;
  constructor(readonly where: string | undefined) {
    super(
      `${CodecErrorCode.Plaintext}: a plaintext payload${where ? ` for ${where}` : ''} was read with codec strict mode on — ` +
        'it was written by a client or worker without the codec keys, or put into history in place of an encrypted one; ' +
        `strict mode (${CODEC_STRICT_ENV_NAME}=1 / --codec-strict) refuses it. Turn strict mode off to read runs recorded before encryption`,
    );
  }
}

/** Strict mode: an encrypted payload with no binding to where it belongs (format v1). */
export class CodecUnboundError extends CodecError {
  readonly code = CodecErrorCode.Unbound;
  constructor(
    readonly keyId: string,
    readonly where: string | undefined,
  ) {
    super(
      `${CodecErrorCode.Unbound}: payload encrypted with key "${keyId}"${where ? ` for ${where}` : ''} is not bound to a workflow or activity ` +
        '(written before bindings, or without a serialization context), so it could have been moved from another run; ' +
        `strict mode (${CODEC_STRICT_ENV_NAME}=1 / --codec-strict) refuses it. Turn strict mode off to read runs recorded before this version`,
    );
  }
}

/** An encrypted payload bound to another workflow or activity than the one it was read for. */
export class CodecMisplacedError extends CodecError {
  readonly code = CodecErrorCode.Misplaced;
  constructor(
    readonly keyId: string,
    readonly boundTo: string,
    readonly readFor: string,
  ) {
    super(
      `${CodecErrorCode.Misplaced}: payload encrypted with key "${keyId}" was written for ${boundTo} but is read for ${readFor} — ` +
        'it was moved in history (another run or another activity); it is refused, never handed on',
    );
  }
}
