/** Key rings and payloads for the codec tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { CODEC_FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { newKeyLine, parseKeyRing, type KeyRing } from '../../src/codec/key-ring';
import assert from 'node:assert/strict';
import type { WorkflowService } from '@temporalio/client';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { decodeHistory } from '../../src/codec/decode-history';
import { tempFolder } from '../helpers/temp-dir';

/** A key ring of fresh keys with the given ids (the last encrypts). */
export function ring(...ids: string[]): KeyRing {
  return parseKeyRing(ids.map(newKeyLine).join('\n'), 'test');
}

/** A keys file (mode 600) with fresh keys; returns its path (its folder is removed when the test process exits). */
export function keysFile(...ids: string[]): string {
  const dir = tempFolder('agent-os-codec-');
  const file = path.join(dir, 'codec-keys');
  fs.writeFileSync(file, `${ids.map(newKeyLine).join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** A JSON payload of `value`. */
export function json(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

/** The value of a JSON payload. */
export function value(payload: Payload | undefined): unknown {
  return defaultPayloadConverter.fromPayload(payload as Payload);
}

let codecBundle: Promise<{ code: string }> | undefined;

/** The workflows bundled with the codec's failure converter (once per test process). */
export function codecWorkflowBundle(): Promise<{ code: string }> {
  codecBundle ??= import('@temporalio/worker').then(({ bundleWorkflowCode, DefaultLogger }) =>
    bundleWorkflowCode({
      workflowsPath: path.join(__dirname, '..', '..', 'src', 'workflows', 'index.js'),
      failureConverterPath: CODEC_FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('WARN'),
    }),
  );
  return codecBundle;
}

/** History as text: every byte field rendered as UTF-8 (not base64), so plaintext anywhere in it is found by `includes`. */
export function historyText(history: unknown): string {
  const plain = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  return JSON.stringify(plain(history));
}

/**
 * Follows the run's history until a workflow task fails and answers that failure's message and
 * cause (decoded with `keys`: the failure is encrypted under the worker's key), asserting on the
 * way that no activity was ever scheduled (the workflow never ran).
 */
export async function firstWorkflowTaskFailure(service: WorkflowService, workflowId: string, keys: KeyRing): Promise<string> {
  for (let page: Uint8Array | undefined; ;) {
    const res = await service.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      waitNewEvent: true,
      ...(page ? { nextPageToken: page } : {}),
    });
    page = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : undefined;
    for (const event of res.history?.events ?? []) {
      assert.ok(event.activityTaskScheduledEventAttributes == null, 'the workflow never ran: no activity was scheduled');
      if (!event.workflowTaskFailedEventAttributes) continue;
      const [e] = (await decodeHistory({ events: [event] }, new AesGcmCodec(keys))).events ?? [];
      const f = e?.workflowTaskFailedEventAttributes?.failure;
      if (f) return `${f.message ?? ''} ${f.cause?.message ?? ''}`;
    }
  }
}
