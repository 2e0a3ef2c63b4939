/** Key rings and payloads for the codec tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { newKeyLine, parseKeyRing, type KeyRing } from '../../src/codec/key-ring';

/** A key ring of fresh keys with the given ids (the last encrypts). */
export function ring(...ids: string[]): KeyRing {
  return parseKeyRing(ids.map(newKeyLine).join('\n'), 'test');
}

/** A keys file (mode 600) with fresh keys; returns its path. */
export function keysFile(...ids: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-codec-'));
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
