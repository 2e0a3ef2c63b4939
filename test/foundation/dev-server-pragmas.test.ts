import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevServer } from '../../src/dev/dev-server';

/** The SQLite file's write-version byte (header offset 18): 1 rollback journal, 2 WAL. */
function writeVersion(dbFile: string): number {
  const fd = fs.openSync(dbFile, 'r');
  try {
    const header = Buffer.alloc(20);
    fs.readSync(fd, header, 0, 20, 0);
    return header[18] ?? -1;
  } finally {
    fs.closeSync(fd);
  }
}

test('dev server: sqlitePragmas journal_mode=wal → its SQLite file is in WAL mode; without pragmas → rollback journal', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aok-pragmas-'));
  try {
    const plain = path.join(dir, 'plain.db');
    const wal = path.join(dir, 'wal.db');
    const a = await startDevServer({ dbFile: plain });
    await a.stop();
    const b = await startDevServer({ dbFile: wal, sqlitePragmas: { journal_mode: 'wal', synchronous: 'normal' } });
    await b.stop();
    assert.equal(writeVersion(plain), 1, 'the default file uses the rollback journal');
    assert.equal(writeVersion(wal), 2, 'the pragma put the file in WAL mode');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
