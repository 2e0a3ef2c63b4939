import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SerializationContext } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { decodeHistory, ownerFromStart } from '../../src/codec/decode-history';
import { CodecErrorCode } from '../../src/codec/errors';
import { json, ring } from './helpers';

// Review 12: a history file names no owner; the reader takes it from the start input's binding.
// Rewriting or removing that one payload must not turn every other payload's place check off.
const strict = { ...ring('own-1'), strict: true };
const wfA: SerializationContext = { type: 'workflow', namespace: 'default', workflowId: 'run-a' };
const act = (activityId: string): SerializationContext => ({ type: 'activity', namespace: 'default', workflowId: 'run-a', activityId, isLocal: false });
const code = (expected: string) => (err: Error & { code?: string }) => (assert.equal(err.code, expected, err.message), true);

async function recorded(): Promise<temporal.api.history.v1.IHistory> {
  const codec = new AesGcmCodec(strict);
  const enc = async (v: unknown, c: SerializationContext) => (await codec.encode([json(v)], c))[0]!;
  return {
    events: [
      { eventId: 1, workflowExecutionStartedEventAttributes: { input: { payloads: [await enc({ prompt: 'p' }, wfA)] } } },
      { eventId: 5, activityTaskScheduledEventAttributes: { activityId: '4', input: { payloads: [await enc({ n: 4 }, act('4'))] } } },
      { eventId: 6, activityTaskCompletedEventAttributes: { scheduledEventId: 5, result: { payloads: [await enc({ status: 'OK' }, act('4'))] } } },
      { eventId: 7, activityTaskScheduledEventAttributes: { activityId: '7', input: { payloads: [await enc({ n: 7 }, act('7'))] } } },
      { eventId: 8, activityTaskCompletedEventAttributes: { scheduledEventId: 7, result: { payloads: [await enc({ status: 'DENIED' }, act('7'))] } } },
    ],
  } as unknown as temporal.api.history.v1.IHistory;
}

const start = (h: temporal.api.history.v1.IHistory) => h.events![0]!.workflowExecutionStartedEventAttributes!;
const result = (h: temporal.api.history.v1.IHistory, i: number) => h.events![i]!.activityTaskCompletedEventAttributes!.result!;

test('review12: a history file whose start input is swapped for an activity-bound payload still has its moves refused (Codec.Misplaced)', async () => {
  const history = await recorded();
  // Activity 4's OK over activity 7's DENIED, and the start input replaced by activity 7's own input (bound, authentic).
  result(history, 4).payloads = result(history, 2).payloads ?? null;
  start(history).input = { payloads: [...(history.events![3]!.activityTaskScheduledEventAttributes!.input!.payloads ?? [])] };
  await assert.rejects(decodeHistory(history, new AesGcmCodec(strict), ownerFromStart(history)), code(CodecErrorCode.Misplaced));
});

test('review12: a history file whose start input is removed still has its moves refused (Codec.Misplaced)', async () => {
  const history = await recorded();
  result(history, 4).payloads = result(history, 2).payloads ?? null;
  start(history).input = null;
  await assert.rejects(decodeHistory(history, new AesGcmCodec(strict), ownerFromStart(history)), code(CodecErrorCode.Misplaced));
});

test('review12: an intact history file names its owner and decodes in strict mode', async () => {
  const history = await recorded();
  assert.deepEqual(ownerFromStart(history), { namespace: 'default', workflowId: 'run-a' });
  await decodeHistory(history, new AesGcmCodec(strict), ownerFromStart(history));
});
