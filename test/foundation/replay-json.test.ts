import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { createSliceActivities } from '../../src/activities/slice';
import { readFileSlice } from '../../src/workflows/slice';
import { findTemporalCli } from '../../src/client/temporal-cli';
import { temporal, uniqueId, withWorker, workflowBundle } from '../helpers/temporal';

test('replay: history exported as JSON by the Temporal CLI → historyFromJSON → runReplayHistory succeeds', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
  fs.writeFileSync(path.join(dir, 'f.txt'), 'x');
  const taskQueue = uniqueId('replay');
  const workflowId = uniqueId('replay-json');
  await withWorker({ taskQueue, activities: createSliceActivities([dir]) }, async ({ client }) => {
    await client.workflow.execute(readFileSlice, { taskQueue, workflowId, args: [path.join(dir, 'f.txt')] });
  });
  const { address } = await temporal();
  const json = execFileSync(findTemporalCli(), ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json'], {
    encoding: 'utf8',
  });
  const history = historyFromJSON(JSON.parse(json));
  assert.ok((history.events?.length ?? 0) > 5, 'the exported history has events');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
});
