/**
 * `AesGcmCodec`: a Temporal `PayloadCodec` that encrypts every payload with AES-256-GCM
 * (node:crypto) under the key ring's newest key, and decrypts with whichever key the
 * payload's metadata names. The layout follows Temporal's encryption samples:
 *
 * - metadata `encoding: binary/encrypted`, `encryption-key-id: <id>`, `encryption-cipher: AES256GCM`
 * - data: 12-byte random IV ‖ ciphertext of the whole serialized `Payload` ‖ 16-byte tag;
 *   the key id is bound as additional authenticated data, so a payload cannot be relabelled.
 * - format v2 (when the SDK passes a serialization context, which it does for every payload
 *   of a run): metadata `encryption-context: <binding JSON>` (binding.ts) naming the workflow,
 *   or the activity, the payload was written for; the AAD is `agent-os-codec/v2/<keyId>\n<binding>`.
 *   A reader that passes a context refuses a payload bound elsewhere ({@link CodecMisplacedError}).
 *   Format v1 (AAD `agent-os-codec/v1/<keyId>`, no binding) is still written without a context
 *   and still read.
 *
 * Payloads that are not encrypted pass through both ways (runs recorded before encryption
 * was turned on stay readable) — unless the ring is `strict`: then decoding refuses plaintext
 * ({@link CodecPlaintextError}) and v1 payloads ({@link CodecUnboundError}). Without a key ring
 * the codec encrypts nothing and refuses encrypted payloads with {@link CodecNoKeysError}
 * instead of passing ciphertext on.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bindingOf, bindingText, CONTEXT_METADATA, describeBinding, parseBinding } from './binding';
import {
  CodecMalformedError,
  CodecMisplacedError,
  CodecNoKeysError,
  CodecPlaintextError,
  CodecTamperedError,
  CodecUnboundError,
  CodecUnknownKeyError,
} from './errors';
import type { KeyRing } from './key-ring';

/** Metadata `encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata key naming the cipher. */
export const CIPHER_METADATA = 'encryption-cipher';
/** The only cipher written and read. */
export const CIPHER = 'AES256GCM';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** The additional authenticated data: v1 names the key id; v2 also the binding (key ids hold no newline). */
const aad = (keyId: string, binding: string | undefined): Buffer =>
  Buffer.from(binding === undefined ? `agent-os-codec/v1/${keyId}` : `agent-os-codec/v2/${keyId}\n${binding}`, 'utf8');

/** Where a read happens, in words (for errors). */
const whereOf = (context: SerializationContext | undefined): string | undefined => (context ? describeBinding(bindingOf(context)) : undefined);

/** True when a payload carries the encrypted encoding. */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.['encoding'];
  return encoding !== undefined && encoding !== null && text.decode(encoding) === ENCRYPTED_ENCODING;
}

/** The key id an encrypted payload names (undefined when absent). */
export function payloadKeyId(payload: Payload): string | undefined {
  const id = payload.metadata?.[KEY_ID_METADATA];
  return id ? text.decode(id) : undefined;
}

/**
 * The encryption codec.
 * @example
 * const codec = new AesGcmCodec(keyRingFromEnv());
 * const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(readonly ring: KeyRing | undefined) {}

  /** Encrypts each payload under the newest key, bound to `context` when the SDK gives one (no-op without keys). */
  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const ring = this.ring;
    if (ring === undefined) return payloads;
    const keyId = ring.current;
    const key = ring.keys.get(keyId) as Buffer;
    const binding = context ? bindingText(bindingOf(context)) : undefined;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(keyId, binding));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: utf8.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8.encode(keyId),
          [CIPHER_METADATA]: utf8.encode(CIPHER),
          ...(binding !== undefined ? { [CONTEXT_METADATA]: utf8.encode(binding) } : {}),
        },
        data: new Uint8Array(data),
      };
    });
  }

  /**
   * Decrypts encrypted payloads; others pass through (strict mode: refused). With a
   * `context` (where the payload is read), a payload bound elsewhere is refused.
   * @throws CodecNoKeysError, CodecUnknownKeyError, CodecTamperedError, CodecMalformedError, CodecMisplacedError;
   *   strict: CodecPlaintextError, CodecUnboundError — never returns undecryptable or misplaced data.
   */
  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (isEncrypted(payload)) return this.decrypt(payload, context);
      if (this.ring?.strict === true) throw new CodecPlaintextError(whereOf(context));
      return payload;
    });
  }

  private decrypt(payload: Payload, context: SerializationContext | undefined): Payload {
    const keyId = payloadKeyId(payload);
    if (keyId === undefined || keyId === '') throw new CodecMalformedError(undefined, `no ${KEY_ID_METADATA} in its metadata`);
    const cipherName = payload.metadata?.[CIPHER_METADATA];
    if (cipherName && text.decode(cipherName) !== CIPHER)
      throw new CodecMalformedError(keyId, `unsupported cipher ${text.decode(cipherName)} (expected ${CIPHER})`);
    if (this.ring === undefined) throw new CodecNoKeysError(keyId);
    const key = this.ring.keys.get(keyId);
    if (key === undefined) throw new CodecUnknownKeyError(keyId, [...this.ring.keys.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new CodecMalformedError(keyId, `${data.length} bytes is shorter than IV and tag`);
    const bindingBytes = payload.metadata?.[CONTEXT_METADATA];
    const binding = bindingBytes ? text.decode(bindingBytes) : undefined;
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId, binding));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new CodecTamperedError(keyId, { cause });
    }
    this.checkPlace(keyId, binding, context);
    try {
      return temporal.api.common.v1.Payload.decode(plain);
    } catch (cause) {
      throw new CodecMalformedError(keyId, 'the decrypted content is not a payload', { cause });
    }
  }

  /** The binding (authenticated by now) against where the payload is read. */
  private checkPlace(keyId: string, binding: string | undefined, context: SerializationContext | undefined): void {
    if (binding === undefined) {
      if (this.ring?.strict === true) throw new CodecUnboundError(keyId, whereOf(context));
      return;
    }
    const bound = parseBinding(binding);
    if (bound === undefined) throw new CodecMalformedError(keyId, `${CONTEXT_METADATA} is not a binding`);
    if (context === undefined) return;
    const expected = bindingOf(context);
    if (bindingText(bound) !== bindingText(expected)) throw new CodecMisplacedError(keyId, describeBinding(bound), describeBinding(expected));
  }
}
