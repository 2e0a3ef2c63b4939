import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import nodeFs from 'node:fs'; // the module object itself, whose methods a mock can replace
import * as path from 'node:path';
import { RecordState, type RecordManifest } from '../../src/reversible/record';
import { STATE_LOG_NAME, StateLog, isLaterState } from '../../src/reversible/state-log';
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
  test('StateLog: appended rolled-back state → the latest state of its record, later than its applied state of the same createdAt only', () => {
    const dir = tempDir('agent-os-state-log-');
    const log = new StateLog(dir);
    log.append(manifest('a'.repeat(32), RecordState.RolledBack));
    const logged = log.latest('a'.repeat(32));
    assert.equal(logged?.state, 'rolled-back');
    assert.equal(isLaterState(logged!, manifest('a'.repeat(32), RecordState.Applied)), true);
    assert.equal(isLaterState(logged!, manifest('a'.repeat(32), RecordState.Applied, '2026-12-02T00:00:00.000Z')), false);
    assert.equal(log.latest('b'.repeat(32)), undefined);
  });

  test('StateLog: of one record the most advanced state counts (a late registered line does not hide applied); a reused id (new createdAt) → its new line', () => {
    const dir = tempDir('agent-os-state-log-');
    const log = new StateLog(dir);
    const id = 'a'.repeat(32);
    log.append(manifest(id, RecordState.Registered));
    log.append(manifest(id, RecordState.Applied));
    log.append(manifest(id, RecordState.Registered));
    assert.equal(new StateLog(dir).latest(id)?.state, 'applied');
    log.append(manifest(id, RecordState.Registered, '2026-12-03T00:00:00.000Z'));
    assert.deepEqual([log.latest(id)?.state, log.latest(id)?.createdAt], ['registered', '2026-12-03T00:00:00.000Z']);
    assert.deepEqual(log.ids(), [id]);
  });

  test('StateLog: a durable state (pending, revoked) found in the log → skipped (never appended by the store)', () => {
    const dir = tempDir('agent-os-state-log-');
    fs.writeFileSync(path.join(dir, STATE_LOG_NAME), `\n${JSON.stringify(manifest('a'.repeat(32), RecordState.Pending))}\n`);
    assert.equal(new StateLog(dir).latest('a'.repeat(32)), undefined);
  });

  test('StateLog: lines appended by another writer after a first read, one of them torn → the whole ones found, the torn one skipped', () => {
    const dir = tempDir('agent-os-state-log-');
    const reader = new StateLog(dir);
    const writer = new StateLog(dir);
    writer.append(manifest('a'.repeat(32), RecordState.RolledBack));
    assert.ok(reader.latest('a'.repeat(32)));
    fs.appendFileSync(path.join(dir, STATE_LOG_NAME), `\n${JSON.stringify(manifest('b'.repeat(32), RecordState.RolledBack)).slice(0, 50)}`);
    writer.append(manifest('c'.repeat(32), RecordState.RolledBack));
    assert.equal(reader.latest('b'.repeat(32)), undefined);
    assert.equal(reader.latest('c'.repeat(32))?.state, 'rolled-back');
  });

  test('StateLog.append: the log renamed aside by a fold right after the line went in → the line appended again to the new log, so the fold cannot lose it', (t) => {
    const dir = tempDir('agent-os-state-log-');
    const log = new StateLog(dir);
    const file = path.join(dir, STATE_LOG_NAME);
    const folding = `${file}.folding`;
    const write = nodeFs.writeSync;
    let renamed = false;
    t.mock.method(nodeFs, 'writeSync', (...args: Parameters<typeof fs.writeSync>) => {
      const n = write(...args);
      if (!renamed) {
        renamed = true;
        fs.renameSync(file, folding); // what a fold in another process does between our write and our check
      }
      return n;
    });
    log.append(manifest('a'.repeat(32), RecordState.Applied));
    t.mock.restoreAll();
    const lines = (f: string): string[] =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    assert.equal(lines(folding).length, 1);
    assert.equal(lines(file).length, 1);
    assert.equal(JSON.parse(lines(file)[0]!).state, 'applied');
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
