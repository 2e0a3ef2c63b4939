/**
 * Recording histories for the replay suite: with RECORD_HISTORIES=1, tests that call
 * {@link maybeRecordHistory} export their run's history with the Temporal CLI (the same
 * JSON the CLI and Web UI download) into test/fixtures/histories/<name>.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findTemporalCli } from '../../src/client/temporal-cli';
import { fixture } from './paths';

/** Writes the run's history to test/fixtures/histories/<name>.json when RECORD_HISTORIES=1. */
export function maybeRecordHistory(address: string, workflowId: string, name: string): void {
  if (process.env['RECORD_HISTORIES'] !== '1') return;
  const json = execFileSync(findTemporalCli(), ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json'], {
    encoding: 'utf8',
  });
  const file = fixture('histories', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
}
