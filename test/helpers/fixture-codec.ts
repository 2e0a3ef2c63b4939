/**
 * The codec of the encrypted replay fixtures: a committed TEST key (test/fixtures/codec/
 * replay-fixture-keys, protecting nothing), and how to tell an encrypted history.
 */
import * as fs from 'node:fs';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { isEncrypted } from '../../src/codec/aes-gcm-codec';
import { parseKeyRing, type KeyRing } from '../../src/codec/key-ring';
import { fixture } from './paths';

/** Path of the fixtures' key file (git does not keep mode 600: copy it before handing it to the CLI). */
export const FIXTURE_KEYS_FILE = fixture('codec', 'replay-fixture-keys');

/** Key id of the fixtures' key. */
export const FIXTURE_KEY_ID = 'fixture-2026-12';

/** The fixtures' key ring. */
export function fixtureKeys(): KeyRing {
  return parseKeyRing(fs.readFileSync(FIXTURE_KEYS_FILE, 'utf8'), FIXTURE_KEYS_FILE);
}

/** True when the history's start input is encrypted (recorded by a worker with codec keys). */
export function isEncryptedHistory(history: temporal.api.history.v1.IHistory): boolean {
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return input !== undefined && input !== null && isEncrypted(input as Payload);
}
