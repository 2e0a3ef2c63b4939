import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecordState, type RecordManifest } from '../../src/reversible/record';
import { STATE_LOG_NAME, StateLog } from '../../src/reversible/state-log';
import { tempDir } from '../kernel/kernel-helpers';

function manifest(recordId: string, state: RecordState, createdAt = '2026-12-01T00:00:00.000Z'): RecordManifest {
  return {
    version: 1,
    recordId,
    state,
    strategy: 'fs.write-snapshot',
    action: 'fs.write',
    target: '/workspace/a',
    paramsHash: 'h',
    createdAt,
    updatedAt: createdAt,
  };
}

describe('StateLog', () => {
  test('StateLog: appended rolled-back state → found for the same record and createdAt; a record id reused (other createdAt) → not found', () => {
    const dir = tempDir('agent-os-state-log-');
    const log = new StateLog(dir);
    log.append(manifest('a'.repeat(32), RecordState.RolledBack));
    assert.equal(log.lookup(manifest('a'.repeat(32), RecordState.Applied))?.state, 'rolled-back');
    assert.equal(log.lookup(manifest('a'.repeat(32), RecordState.Applied, '2026-12-02T00:00:00.000Z')), undefined);
    assert.equal(log.lookup(manifest('b'.repeat(32), RecordState.Applied)), undefined);
  });

  test('StateLog: lines appended by another writer after a first read, one of them torn → the whole ones found, the torn one skipped', () => {
    const dir = tempDir('agent-os-state-log-');
    const reader = new StateLog(dir);
    const writer = new StateLog(dir);
    writer.append(manifest('a'.repeat(32), RecordState.RolledBack));
    assert.ok(reader.lookup(manifest('a'.repeat(32), RecordState.Applied)));
    fs.appendFileSync(path.join(dir, STATE_LOG_NAME), `\n${JSON.stringify(manifest('b'.repeat(32), RecordState.RolledBack)).slice(0, 50)}`);
    writer.append(manifest('c'.repeat(32), RecordState.RolledBack));
    assert.equal(reader.lookup(manifest('b'.repeat(32), RecordState.Applied)), undefined);
    assert.equal(reader.lookup(manifest('c'.repeat(32), RecordState.Applied))?.state, 'rolled-back');
  });

  test('StateLog.fold: log over the threshold → every state handed to the writer, the log and the folded file removed; under it → nothing done', async () => {
    const dir = tempDir('agent-os-state-log-');
    const log = new StateLog(dir);
    log.append(manifest('a'.repeat(32), RecordState.RolledBack));
    log.append(manifest('b'.repeat(32), RecordState.RolledBack));
    const handed: string[] = [];
    assert.equal(await log.fold(async (m) => void handed.push(m.recordId)), 0);
    assert.equal(await log.fold(async (m) => void handed.push(m.recordId), 0), 2);
    assert.deepEqual(handed.sort(), ['a'.repeat(32), 'b'.repeat(32)]);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
