import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadKeyId } from '../../src/codec/aes-gcm-codec';
import { CodecErrorCode } from '../../src/codec/errors';
import { parseKeyRing } from '../../src/codec/key-ring';
import { json, ring, value } from './helpers';

const SECRET = 'name,score\nada,42 — the secret file content';

test('codec: encode → the payload is ciphertext naming the newest key, and decodes back to the value', async () => {
  const keys = ring('2026-01', '2026-06');
  const codec = new AesGcmCodec(keys);
  const [encoded] = await codec.encode([json({ content: SECRET })]);
  assert.ok(encoded);
  assert.equal(new TextDecoder().decode(encoded.metadata?.['encoding']), ENCRYPTED_ENCODING);
  assert.equal(payloadKeyId(encoded), '2026-06');
  assert.ok(
    !Buffer.from(encoded.data ?? [])
      .toString('latin1')
      .includes('ada,42'),
    'no plaintext in the ciphertext',
  );
  assert.ok(
    !Buffer.from(encoded.data ?? [])
      .toString('latin1')
      .includes('json/plain'),
    'the inner encoding is hidden too',
  );
  assert.deepEqual(value((await codec.decode([encoded]))[0]), { content: SECRET });
});

test('codec: rotation → payloads of an older key still decode after a newer key is added', async () => {
  const old = ring('2026-01');
  const [encoded] = await new AesGcmCodec(old).encode([json('old run')]);
  const line = (id: string): string => `${id}:${old.keys.get(id)!.toString('base64')}`;
  const rotated = parseKeyRing(`${line('2026-01')}\n2026-06:${Buffer.alloc(32, 7).toString('base64')}`, 'rotated');
  assert.equal(value((await new AesGcmCodec(rotated).decode([encoded!]))[0]), 'old run');
  assert.equal(payloadKeyId((await new AesGcmCodec(rotated).encode([json('new run')]))[0]!), '2026-06');
});

test('codec: a key id that is not configured → Codec.UnknownKey naming the key id, nothing decoded', async () => {
  const [encoded] = await new AesGcmCodec(ring('gone-key')).encode([json(SECRET)]);
  await assert.rejects(new AesGcmCodec(ring('other')).decode([encoded!]), (err: Error & { code?: string }) => {
    assert.equal(err.code, CodecErrorCode.UnknownKey);
    assert.match(err.message, /"gone-key"/);
    assert.match(err.message, /configured: other/);
    return true;
  });
});

test('codec: a different key under the same id → Codec.Tampered naming the key id', async () => {
  const [encoded] = await new AesGcmCodec(ring('k1')).encode([json(SECRET)]);
  await assert.rejects(new AesGcmCodec(ring('k1')).decode([encoded!]), (err: Error & { code?: string }) => {
    assert.equal(err.code, CodecErrorCode.Tampered);
    assert.match(err.message, /"k1"/);
    return true;
  });
});

test('codec: one flipped ciphertext bit → Codec.Tampered, never garbage', async () => {
  const codec = new AesGcmCodec(ring('k1'));
  const [encoded] = await codec.encode([json(SECRET)]);
  const data = Buffer.from(encoded!.data!);
  data[20] = data[20]! ^ 1;
  await assert.rejects(codec.decode([{ ...encoded!, data }]), { code: CodecErrorCode.Tampered });
});

test('codec: a payload relabelled with another configured key id → Codec.Tampered (the key id is authenticated)', async () => {
  const keys = parseKeyRing(`a:${Buffer.alloc(32, 1).toString('base64')}\nb:${Buffer.alloc(32, 1).toString('base64')}`, 'same material');
  const codec = new AesGcmCodec(keys);
  const [encoded] = await codec.encode([json(SECRET)]); // under b
  const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('a') } };
  await assert.rejects(codec.decode([relabelled]), { code: CodecErrorCode.Tampered });
});

test('codec: truncated data or no key id → Codec.Malformed', async () => {
  const codec = new AesGcmCodec(ring('k1'));
  const [encoded] = await codec.encode([json(SECRET)]);
  await assert.rejects(codec.decode([{ ...encoded!, data: encoded!.data!.subarray(0, 10) }]), { code: CodecErrorCode.Malformed });
  const { [KEY_ID_METADATA]: _gone, ...noKeyId } = encoded!.metadata!;
  await assert.rejects(codec.decode([{ ...encoded!, metadata: noKeyId }]), { code: CodecErrorCode.Malformed });
});

test('codec: no keys configured → plaintext passes through, an encrypted payload is refused with Codec.NoKeys naming its key id', async () => {
  const none = new AesGcmCodec(undefined);
  const plain = json('hello');
  assert.deepEqual(await none.encode([plain]), [plain]);
  assert.equal(value((await none.decode([plain]))[0]), 'hello');
  const [encoded] = await new AesGcmCodec(ring('prod-1')).encode([json(SECRET)]);
  await assert.rejects(none.decode([encoded!]), (err: Error & { code?: string }) => err.code === CodecErrorCode.NoKeys && /"prod-1"/.test(err.message));
});

test('codec: plaintext payloads (runs from before encryption) → decode unchanged with keys configured', async () => {
  assert.equal(value((await new AesGcmCodec(ring('k1')).decode([json('legacy')]))[0]), 'legacy');
});
