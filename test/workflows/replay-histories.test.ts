import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { fixture } from '../helpers/paths';
import { workflowBundle } from '../helpers/temporal';

// Histories recorded from real runs (RECORD_HISTORIES=1 npm test) are replayed against
// today's workflow code on every test run: a change that would break running workflows
// (non-determinism) fails here.
const dir = fixture('histories');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

test('replay: committed histories exist', () => {
  assert.ok(files.length >= 3, `expected recorded histories in ${dir}, found ${files.length}`);
});

for (const file of files) {
  test(`replay: ${file} → replays deterministically against the current workflows`, async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, path.basename(file, '.json'));
  });
}
