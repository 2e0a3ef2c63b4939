/**
 * redteam15c: `agent-os list` (text) printed workflow ids and task queues raw. Whoever starts
 * runs chooses the id: one ending in ESC[1A ESC[2K erased the row above it in the operator's
 * list (a run with denials or pending approvals), and a CR let it print a row of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { ring } from '../codec/helpers';
import { temporal } from '../helpers/temporal';
import { cli } from './worker-harness';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

test('list (text): a workflow id with ESC/CR → shown escaped, one row, no control characters', async () => {
  const { client, address } = await temporal();
  const prefix = `rt15c-list-${randomUUID()}`;
  const handle = await client.workflow.start('agentRun', {
    taskQueue: `rt15c-nobody-${randomUUID()}`,
    workflowId: `${prefix}\u001b[1A\u001b[2K\r`,
    args: [{ prompt: 'never runs' }],
  });
  try {
    const out = await cli(['list', '--query', `WorkflowId STARTS_WITH "${prefix}"`], { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' });
    assert.equal(out.status, 0, out.stderr);
    const rows = out.stdout.replace(/\n$/, '').split('\n');
    assert.equal(rows.length, 2, out.stdout);
    for (const row of rows) assert.doesNotMatch(row, UNSAFE, JSON.stringify(out.stdout));
    assert.match(rows[1] ?? '', /\\u001b\[1A\\u001b\[2K\\u000d/);
  } finally {
    await handle.terminate('test done');
  }
});

test('list without keys: an encrypted run among those listed → the listing still answers (exit 0); the run is listed', async () => {
  const { client, address } = await temporal();
  const prefix = `rt15c-list-enc-${randomUUID()}`;
  // A memo written through the codec (an encrypted run's policyHash/model memo).
  const encrypting = new Client({ connection: client.connection, dataConverter: { payloadCodecs: [new AesGcmCodec(ring('rt15c-list'))] } });
  const handle = await encrypting.workflow.start('agentRun', {
    taskQueue: `rt15c-nobody-${randomUUID()}`,
    workflowId: `${prefix}-a`,
    args: [{ prompt: 'never runs' }],
    memo: { model: 'secret-model' },
  });
  try {
    const out = await cli(['list', '-o', 'jsonl', '--query', `WorkflowId STARTS_WITH "${prefix}"`], {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      AGENT_OS_CODEC_KEYS: '',
      AGENT_OS_CODEC_KEYS_FILE: '',
    });
    assert.equal(out.status, 0, out.stderr);
    const row = JSON.parse(out.stdout) as { workflowId: string; status: string };
    assert.deepEqual([row.workflowId, row.status], [`${prefix}-a`, 'RUNNING']);
  } finally {
    await handle.terminate('test done');
  }
});
