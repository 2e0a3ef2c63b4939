import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createSliceActivities } from '../../src/activities/slice';
import { readFileSlice } from '../../src/workflows/slice';
import { uniqueId, withWorker, workflowBundle } from '../helpers/temporal';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'slice-ws-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'slice-out-'));
fs.writeFileSync(path.join(workspace, 'data.csv'), 'a,b\n1,2\n');
fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret');

test('slice: allowed read on the real server → OK with the file contents', async () => {
  const taskQueue = uniqueId('slice');
  await withWorker({ taskQueue, activities: createSliceActivities([workspace]) }, async ({ client }) => {
    const result = await client.workflow.execute(readFileSlice, {
      taskQueue,
      workflowId: uniqueId('slice-ok'),
      args: [path.join(workspace, 'data.csv')],
    });
    assert.deepEqual(result, { status: 'OK', data: 'a,b\n1,2\n' });
  });
});

test('slice: read outside the allow-list → DENIED, file untouched, denial in history, history replays', async () => {
  const taskQueue = uniqueId('slice');
  const secret = path.join(outside, 'secret.txt');
  const before = fs.statSync(secret).atimeMs;
  const workflowId = uniqueId('slice-denied');
  await withWorker({ taskQueue, activities: createSliceActivities([workspace]) }, async ({ client }) => {
    const handle = await client.workflow.start(readFileSlice, { taskQueue, workflowId, args: [secret] });
    const result = await handle.result();
    assert.deepEqual(result, { status: 'DENIED', error: 'not permitted' });
    assert.equal(fs.statSync(secret).atimeMs, before, 'a denied read must not touch the file');

    const history = await handle.fetchHistory();
    const completed = (history.events ?? []).find((e) => e.activityTaskCompletedEventAttributes);
    const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
    assert.ok(payload, 'the activity result is recorded in history');
    assert.match(Buffer.from(payload).toString('utf8'), /"status":"DENIED"/);

    // Replay: the recorded history must run deterministically against today's workflow code.
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
