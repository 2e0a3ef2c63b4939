/**
 * Recording histories for the replay suite. Fixtures are append-only and kept per release
 * (docs/versioning.md): with `RECORD_HISTORIES=<release>` (e.g. `RECORD_HISTORIES=0.2.0`),
 * tests that call {@link maybeRecordHistory} export their run's history with the Temporal
 * CLI (the same JSON the CLI and Web UI download) into
 * `test/fixtures/histories/<release>/<name>.json` — and refuse to overwrite a fixture that
 * already exists, because it stands for runs that may still be in flight.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import { fixture } from './paths';

const RELEASE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Writes the run's history to test/fixtures/histories/<release>/<name>.json when RECORD_HISTORIES is a release. */
export function maybeRecordHistory(address: string, workflowId: string, name: string): void {
  const release = process.env['RECORD_HISTORIES'];
  if (!release) return;
  if (!RELEASE.test(release)) {
    throw new Error(`RECORD_HISTORIES=${release}: give the release the histories belong to, e.g. RECORD_HISTORIES=0.2.0 (docs/versioning.md)`);
  }
  const file = fixture('histories', release, `${name}.json`);
  if (fs.existsSync(file)) {
    throw new Error(`${file} exists: recorded histories are append-only; record under the next release instead (docs/versioning.md)`);
  }
  const json = execFileSync(findTemporalCli(), ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json'], {
    encoding: 'utf8',
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
}
