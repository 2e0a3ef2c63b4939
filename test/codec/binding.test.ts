import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Payload, SerializationContext } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { CONTEXT_METADATA } from '../../src/codec/binding';
import { decodeHistory } from '../../src/codec/decode-history';
import { CodecErrorCode } from '../../src/codec/errors';
import { json, ring, value } from './helpers';

const keys = ring('bind-1');
const strict = { ...keys, strict: true };
const wfA: SerializationContext = { type: 'workflow', namespace: 'default', workflowId: 'run-a' };
const wfB: SerializationContext = { type: 'workflow', namespace: 'default', workflowId: 'run-b' };
const act = (activityId: string, workflowId = 'run-a', isLocal = false): SerializationContext => ({
  type: 'activity',
  namespace: 'default',
  workflowId,
  activityId,
  isLocal,
});
const code = (expected: string) => (err: Error & { code?: string }) => (assert.equal(err.code, expected, err.message), true);
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

test('binding: a payload encoded with a context names it (metadata encryption-context, v2) and decodes there, and where no context is known (codec server)', async () => {
  const codec = new AesGcmCodec(keys);
  const [p] = await codec.encode([json({ status: 'OK' })], act('4'));
  assert.equal(text(p!.metadata?.[CONTEXT_METADATA]), '["activity","default","run-a","4",false]');
  assert.deepEqual(value((await codec.decode([p!], act('4')))[0]), { status: 'OK' });
  assert.deepEqual(value((await codec.decode([p!]))[0]), { status: 'OK' });
  assert.deepEqual(value((await new AesGcmCodec(strict).decode([p!]))[0]), { status: 'OK' }, 'bound payloads pass strict mode');
});

test('binding: read for another run, another activity, local vs remote, or another namespace → Codec.Misplaced naming both places, strict or not', async () => {
  const codec = new AesGcmCodec(keys);
  const [result] = await codec.encode([json({ status: 'OK' })], act('7'));
  const [input] = await codec.encode([json({ prompt: 'x' })], wfA);
  for (const c of [codec, new AesGcmCodec(strict)]) {
    await assert.rejects(c.decode([result!], act('7', 'run-b')), code(CodecErrorCode.Misplaced));
    await assert.rejects(c.decode([result!], act('10')), code(CodecErrorCode.Misplaced));
    await assert.rejects(c.decode([result!], act('7', 'run-a', true)), code(CodecErrorCode.Misplaced));
    await assert.rejects(c.decode([result!], { ...act('7'), namespace: 'other' }), code(CodecErrorCode.Misplaced));
    await assert.rejects(c.decode([result!], wfA), code(CodecErrorCode.Misplaced));
    await assert.rejects(c.decode([input!], wfB), code(CodecErrorCode.Misplaced));
  }
  await assert.rejects(
    codec.decode([result!], act('10', 'run-b')),
    /Codec\.Misplaced: payload encrypted with key "bind-1" was written for activity "7" of workflow "run-a" \(namespace default\) but is read for activity "10" of workflow "run-b"/,
  );
});

test("binding: the binding is authenticated — rewritten to the reader's place, or stripped (downgrade to v1) → Codec.Tampered", async () => {
  const codec = new AesGcmCodec(keys);
  const [p] = await codec.encode([json({ status: 'OK' })], act('7'));
  const rewritten = { ...p!, metadata: { ...p!.metadata, [CONTEXT_METADATA]: Buffer.from('["activity","default","run-a","10",false]') } };
  await assert.rejects(codec.decode([rewritten], act('10')), code(CodecErrorCode.Tampered));
  const stripped = { ...p!, metadata: Object.fromEntries(Object.entries(p!.metadata ?? {}).filter(([k]) => k !== CONTEXT_METADATA)) };
  await assert.rejects(codec.decode([stripped], act('10')), code(CodecErrorCode.Tampered));
});

test('strict mode: plaintext → Codec.Plaintext naming where; an unbound (v1) payload → Codec.Unbound; without strict both still decode (runs from before)', async () => {
  const plain = json({ status: 'OK', forged: true });
  const [v1] = await new AesGcmCodec(keys).encode([json('old run')]);
  assert.equal(v1!.metadata?.[CONTEXT_METADATA], undefined, 'no context: format v1');
  await assert.rejects(
    new AesGcmCodec(strict).decode([plain], act('10')),
    /^CodecPlaintextError: Codec\.Plaintext: a plaintext payload for activity "10" of workflow "run-a" \(namespace default\) was read with codec strict mode on/,
  );
  await assert.rejects(new AesGcmCodec(strict).decode([plain]), code(CodecErrorCode.Plaintext));
  await assert.rejects(new AesGcmCodec(strict).decode([v1!], wfA), code(CodecErrorCode.Unbound));
  assert.deepEqual(value((await new AesGcmCodec(keys).decode([plain], act('10')))[0]), { status: 'OK', forged: true });
  assert.equal(value((await new AesGcmCodec(keys).decode([v1!], wfA))[0]), 'old run');
});

test("decodeHistory: with an owner, each event's payload is read for its workflow or activity; a result moved to another activity → Codec.Misplaced; core's patch data passes strict mode", async () => {
  const codec = new AesGcmCodec(keys);
  const enc = async (v: unknown, c: SerializationContext) => (await codec.encode([json(v)], c))[0]!;
  // Event ids are plain numbers here (Longs from the server; decodeHistory reads both).
  const history = {
    events: [
      { eventId: 1, workflowExecutionStartedEventAttributes: { input: { payloads: [await enc({ prompt: 'p' }, wfA)] } } },
      {
        eventId: 2,
        markerRecordedEventAttributes: { markerName: 'core_patch', details: { 'patch-data': { payloads: [json({ id: 'x', deprecated: false })] } } },
      },
      { eventId: 5, activityTaskScheduledEventAttributes: { activityId: '4', input: { payloads: [await enc({ n: 4 }, act('4'))] } } },
      { eventId: 6, activityTaskCompletedEventAttributes: { scheduledEventId: 5, result: { payloads: [await enc({ status: 'OK' }, act('4'))] } } },
      { eventId: 7, activityTaskScheduledEventAttributes: { activityId: '7', input: { payloads: [await enc({ n: 7 }, act('7'))] } } },
      { eventId: 8, activityTaskCompletedEventAttributes: { scheduledEventId: 7, result: { payloads: [await enc({ status: 'DENIED' }, act('7'))] } } },
    ],
  } as unknown as temporal.api.history.v1.IHistory;
  const owner = { namespace: 'default', workflowId: 'run-a' };
  const result = (h: temporal.api.history.v1.IHistory, i: number) => h.events![i]!.activityTaskCompletedEventAttributes!.result!;
  const decoded = await decodeHistory(structuredClone(history), new AesGcmCodec(strict), owner);
  assert.deepEqual(value(result(decoded, 5).payloads![0] as Payload), { status: 'DENIED' });
  const moved = structuredClone(history);
  result(moved, 5).payloads = result(history, 3).payloads ?? null;
  await assert.rejects(decodeHistory(moved, codec, owner), /Codec\.Misplaced: .*written for activity "4" .* read for activity "7"/);
  await assert.rejects(decodeHistory(structuredClone(history), codec, { ...owner, workflowId: 'run-b' }), code(CodecErrorCode.Misplaced));
  const orphan = structuredClone(history);
  (orphan.events![5]!.activityTaskCompletedEventAttributes as { scheduledEventId: unknown }).scheduledEventId = 99;
  await assert.rejects(decodeHistory(orphan, codec, owner), /read for activity \(no id\)/, 'an unknown scheduled event is no escape');
});
