import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { startCodecServer } from '../../src/codec/server';
import { json, ring, value } from './helpers';

const TOKEN = 'test-token-0123456789abcdef';
const UI = 'http://127.0.0.1:8233';
const keys = ring('srv-1');
const codec = new AesGcmCodec(keys);

/** A Payloads message as protobuf JSON (base64 bytes), as the Web UI and the temporal CLI send it. */
const wire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const unwire = (p: { metadata?: Record<string, string>; data?: string }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

async function withServer(options: Partial<Parameters<typeof startCodecServer>[0]>, fn: (url: string, endpoint: string) => Promise<void>): Promise<void> {
  const server = await startCodecServer({ codec, token: TOKEN, uiOrigins: [UI], namespaces: ['default'], ...options });
  try {
    await fn(server.url, server.endpoint);
  } finally {
    await server.close();
  }
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers }, body: JSON.stringify(body) });

test('codec server: POST /decode with the bearer token → the decoded payloads as protobuf JSON', async () => {
  const [encrypted] = await codec.encode([json({ content: 'grace,37' })]);
  await withServer({}, async (url) => {
    const res = await post(`${url}/decode`, { payloads: [wire(encrypted!)] }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { payloads: Array<{ metadata?: Record<string, string>; data?: string }> };
    assert.deepEqual(value(unwire(body.payloads[0]!)), { content: 'grace,37' });
    // …/encode round-trips through the same keys.
    const enc = (await (await post(`${url}/some/prefix/encode`, body, { Authorization: `Bearer ${TOKEN}` })).json()) as typeof body;
    assert.equal(Buffer.from(enc.payloads[0]!.metadata!['encryption-key-id']!, 'base64').toString(), 'srv-1');
  });
});

test('codec server: no token, a wrong token, or the token in the path without --token-in-path → 401 and nothing decoded', async () => {
  const [encrypted] = await codec.encode([json('secret')]);
  await withServer({}, async (url) => {
    for (const [path, headers] of [
      ['/decode', {}],
      ['/decode', { Authorization: 'Bearer wrong-token-0123456789' }],
      [`/${TOKEN}/decode`, {}],
    ] as const) {
      const res = await post(`${url}${path}`, { payloads: [wire(encrypted!)] }, headers);
      assert.equal(res.status, 401, path);
      assert.ok(!(await res.text()).includes('secret'));
    }
  });
});

test('codec server: with tokenInPath → the endpoint carries the secret and works without a header; another path secret → 401', async () => {
  const [encrypted] = await codec.encode([json('via path')]);
  await withServer({ tokenInPath: true }, async (url, endpoint) => {
    assert.equal(endpoint, `${url}/${TOKEN}`);
    const ok = await post(`${endpoint}/decode`, { payloads: [wire(encrypted!)] });
    assert.equal(ok.status, 200);
    assert.equal(value(unwire(((await ok.json()) as { payloads: [{ data: string }] }).payloads[0])), 'via path');
    assert.equal((await post(`${url}/not-the-token-0123456789/decode`, { payloads: [wire(encrypted!)] })).status, 401);
  });
});

test('codec server: CORS → preflight from the UI origin is allowed; a request from another origin is refused with 403', async () => {
  await withServer({}, async (url) => {
    const pre = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), UI);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
    const evil = await post(`${url}/decode`, { payloads: [] }, { Origin: 'https://evil.example', Authorization: `Bearer ${TOKEN}` });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });
});

test('codec server: another namespace (X-Namespace) → 403; a tampered payload → 400 naming Codec.Tampered and the key id', async () => {
  const [encrypted] = await codec.encode([json('x')]);
  await withServer({}, async (url) => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    assert.equal((await post(`${url}/decode`, { payloads: [] }, { ...auth, 'X-Namespace': 'prod' })).status, 403);
    const data = Buffer.from(encrypted!.data!);
    data[15] = data[15]! ^ 0xff;
    const res = await post(`${url}/decode`, { payloads: [wire({ ...encrypted!, data })] }, auth);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'Codec.Tampered');
    assert.match(body.message, /"srv-1"/);
    assert.equal((await post(`${url}/decode`, 'not payloads', auth)).status, 400);
  });
});

test('codec server: a bound payload decodes without its place (the protocol carries none); strict → a plaintext payload is refused with 400 Codec.Plaintext', async () => {
  const [bound] = await codec.encode([json({ status: 'OK' })], { type: 'workflow', namespace: 'default', workflowId: 'wf-1' });
  const strictCodec = new AesGcmCodec({ ...keys, strict: true });
  await withServer({ codec: strictCodec }, async (url) => {
    const ok = await post(`${url}/decode`, { payloads: [wire(bound!)] }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { payloads: Array<{ metadata?: Record<string, string>; data?: string }> };
    assert.deepEqual(value(unwire(body.payloads[0]!)), { status: 'OK' });
    const plain = await post(`${url}/decode`, { payloads: [wire(json({ status: 'OK', forged: true }))] }, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(plain.status, 400);
    assert.equal(((await plain.json()) as { code: string }).code, 'Codec.Plaintext');
  });
});

test('codec server: neither a token nor mTLS → refuses to start', async () => {
  await assert.rejects(startCodecServer({ codec }), /needs an access token or mTLS/);
});
