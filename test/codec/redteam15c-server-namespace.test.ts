/**
 * redteam15c: a codec server started for one namespace (`--namespace prod`) decoded every
 * namespace's payloads — a request without `X-Namespace`, or with `X-Namespace: prod` over
 * payloads bound to another namespace, was answered with the plaintext. Whoever held the
 * token of one namespace's codec server (and could read another namespace's history, where
 * the same keys are in use) read that namespace's payloads through it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { startCodecServer } from '../../src/codec/server';
import { json, ring } from './helpers';

const TOKEN = 'test-token-0123456789abcdef';
const codec = new AesGcmCodec(ring('ns-1'));
const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` };

const wire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

async function decode(namespaces: readonly string[] | undefined, header: string | undefined, payload: Awaited<ReturnType<AesGcmCodec['encode']>>[number]) {
  const server = await startCodecServer({ codec, token: TOKEN, ...(namespaces ? { namespaces } : {}) });
  try {
    const res = await fetch(`${server.url}/decode`, {
      method: 'POST',
      headers: { ...auth, ...(header !== undefined ? { 'X-Namespace': header } : {}) },
      body: JSON.stringify({ payloads: [wire(payload)] }),
    });
    return { status: res.status, text: await res.text() };
  } finally {
    await server.close();
  }
}

test('codec server with --namespace prod: a request without X-Namespace → 403, nothing decoded', async () => {
  const [other] = await codec.encode([json('tenant-b secret')], { type: 'workflow', namespace: 'tenant-b', workflowId: 'wf-b' });
  const res = await decode(['prod'], undefined, other!);
  assert.equal(res.status, 403, res.text);
  assert.ok(!res.text.includes('tenant-b secret') && !res.text.includes(Buffer.from('tenant-b secret').toString('base64')));
  assert.match(res.text, /X-Namespace/);
});

test('codec server: X-Namespace prod over a payload bound to namespace tenant-b → 400 Codec.Misplaced, nothing decoded (with or without --namespace)', async () => {
  const [other] = await codec.encode([json('tenant-b secret')], {
    type: 'activity',
    namespace: 'tenant-b',
    workflowId: 'wf-b',
    activityId: '3',
    isLocal: false,
  });
  for (const namespaces of [['prod'], undefined]) {
    const res = await decode(namespaces, 'prod', other!);
    assert.equal(res.status, 400, res.text);
    assert.equal((JSON.parse(res.text) as { code: string }).code, 'Codec.Misplaced');
    assert.match(res.text, /namespace tenant-b/);
  }
});

test('codec server: payloads bound to the namespace asked for, and unbound ones, still decode', async () => {
  const [own] = await codec.encode([json('own')], { type: 'workflow', namespace: 'prod', workflowId: 'wf-p' });
  const [unbound] = await codec.encode([json('v1')]);
  assert.equal((await decode(['prod'], 'prod', own!)).status, 200);
  assert.equal((await decode(['prod'], 'prod', unbound!)).status, 200);
  assert.equal((await decode(undefined, undefined, own!)).status, 200);
});
