import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { codecDataConverter } from '../../src/codec/data-converter';
import { ownerFromStart } from '../../src/codec/decode-history';
import { codecWorkflowBundle } from '../codec/helpers';
import { fixtureKeys, isEncryptedHistory } from '../helpers/fixture-codec';
import { fixture } from '../helpers/paths';
import { workflowBundle } from '../helpers/temporal';

// Histories recorded from real runs, kept per release (test/fixtures/histories/<release>/),
// are replayed against today's workflow code on every test run: a change that would break
// runs already in flight (non-determinism) fails here. They are append-only: SHA256SUMS
// pins every one of them (docs/versioning.md).
const dir = fixture('histories');
const sums = path.join(dir, 'SHA256SUMS');
const files = fs
  .readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    fs
      .readdirSync(path.join(dir, d.name))
      .filter((f) => f.endsWith('.json'))
      .map((f) => `${d.name}/${f}`),
  )
  .sort();

function pinned(): Map<string, string> {
  const lines = fs
    .readFileSync(sums, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return new Map(
    lines.map((l) => {
      const [hash, name] = l.split(/\s+/);
      return [name ?? '', hash ?? ''];
    }),
  );
}

test('replay: every release folder holds recorded histories', () => {
  assert.ok(files.length >= 5, `expected recorded histories under ${dir}/<release>/, found ${files.length}`);
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.json')), 'histories live in a release folder, never loose in histories/');
});

test('replay: recorded histories are append-only → each matches its SHA256SUMS pin and no pinned one is gone', () => {
  const pins = pinned();
  for (const file of files) {
    const hash = createHash('sha256')
      .update(fs.readFileSync(path.join(dir, file)))
      .digest('hex');
    assert.equal(pins.get(file), hash, `${file}: not pinned or changed; histories are never re-recorded — record under the next release (docs/versioning.md)`);
  }
  for (const name of pins.keys()) assert.ok(files.includes(name), `${name} is pinned but missing: histories are never removed`);
});

for (const file of files) {
  test(`replay: ${file} → replays deterministically against the current workflows`, async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    // Encrypted histories (recorded with the fixtures' test key) replay through the codec, as on a worker with keys.
    const options = isEncryptedHistory(history)
      ? { workflowBundle: await codecWorkflowBundle(), dataConverter: codecDataConverter(fixtureKeys()) }
      : { workflowBundle: await workflowBundle() };
    // A bound (format v2) encrypted history replays only as its own workflow: its id is in its start input's binding.
    await Worker.runReplayHistory(options, history, ownerFromStart(history)?.workflowId ?? file);
  });
}
