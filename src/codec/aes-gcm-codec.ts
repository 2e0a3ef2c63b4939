/**
 * `AesGcmCodec`: a Temporal `PayloadCodec` that encrypts every payload with AES-256-GCM
 * (node:crypto) under the key ring's newest key, and decrypts with whichever key the
 * payload's metadata names. The layout follows Temporal's encryption samples:
 *
 * - metadata `encoding: binary/encrypted`, `encryption-key-id: <id>`, `encryption-cipher: AES256GCM`
 * - data: 12-byte random IV ‖ ciphertext of the whole serialized `Payload` ‖ 16-byte tag;
 *   the key id is bound as additional authenticated data, so a payload cannot be relabelled.
 *
 * Payloads that are not encrypted pass through both ways (runs recorded before encryption
 * was turned on stay readable). Without a key ring the codec encrypts nothing and refuses
 * encrypted payloads with {@link CodecNoKeysError} instead of passing ciphertext on.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CodecMalformedError, CodecNoKeysError, CodecTamperedError, CodecUnknownKeyError } from './errors';
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

const aad = (keyId: string): Buffer => Buffer.from(`agent-os-codec/v1/${keyId}`, 'utf8');

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

  /** Encrypts each payload under the newest key (no-op without keys). */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const ring = this.ring;
    if (ring === undefined) return payloads;
    const keyId = ring.current;
    const key = ring.keys.get(keyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(keyId));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId), [CIPHER_METADATA]: utf8.encode(CIPHER) },
        data: new Uint8Array(data),
      };
    });
  }

  /**
   * Decrypts encrypted payloads; others pass through.
   * @throws CodecNoKeysError, CodecUnknownKeyError, CodecTamperedError, CodecMalformedError — never returns undecryptable data.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
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
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new CodecTamperedError(keyId, { cause });
    }
    try {
      return temporal.api.common.v1.Payload.decode(plain);
    } catch (cause) {
      throw new CodecMalformedError(keyId, 'the decrypted content is not a payload', { cause });
    }
  }
}
