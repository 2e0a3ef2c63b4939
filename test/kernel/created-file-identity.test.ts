import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';
import { fixture } from '../helpers/paths';
import { readRunHistory } from '../../src/kernel/run-history';

/** The run may write new files anywhere and delete or overwrite only what it created: no other fs.delete grant. */
const POLICY = `
version: 1
capabilities:
  - id: write-own
    action: fs.write
    resource: /workspace/**
    created_by_run: true
  - id: delete-own
    action: fs.delete
    resource: /workspace/**
    created_by_run: true
`;

function session(durability: 'full' | 'os' = 'full'): { kernel: Kernel; ws: string; log: string } {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const log = path.join(dir, 'kernel.log');
  const kernel = new Kernel({
    policy: writePolicy(dir, POLICY),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability })],
    logPath: log,
  });
  return { kernel, ws, log };
}

describe('kernel: created_by_run binds a created path to the file the run created (F3)', () => {
  test('the run creates a.txt; another actor renames their own file over it → the delete is refused (Fs.Replaced), their file kept; one audit record', async () => {
    const { kernel, ws, log } = session();
    const wrote = await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'mine' } });
    fs.writeFileSync(path.join(ws, 'precious.txt'), 'theirs\n');
    fs.renameSync(path.join(ws, 'precious.txt'), path.join(ws, 'a.txt')); // e.g. a sandboxed program: mv precious.txt a.txt
    const before = readLog(log).length;
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/a.txt' });
    const records = readLog(log);
    await kernel.close();
    assert.equal(wrote.status, 'OK');
    assert.equal(del.status, 'ERROR', JSON.stringify(del));
    assert.equal(del.code, 'Fs.Replaced');
    assert.match(del.error ?? '', /not the one this run created/);
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'theirs\n', 'a file the run never created was deleted');
    assert.equal(records.length, before + 1, 'exactly one audit record for the refused delete');
    assert.equal(records[records.length - 1]?.['status'], 'ERROR');
    assert.match(JSON.stringify(records[records.length - 1]), /Fs\.Replaced/);
  });

  test('the run creates a.txt; another actor renames their own file over it → an overwrite is refused (Fs.Replaced), their content kept; one audit record', async () => {
    const { kernel, ws, log } = session();
    await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'mine' } });
    fs.writeFileSync(path.join(ws, 'precious.txt'), 'theirs\n');
    fs.renameSync(path.join(ws, 'precious.txt'), path.join(ws, 'a.txt'));
    const before = readLog(log).length;
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'pwned' } });
    const records = readLog(log);
    await kernel.close();
    assert.equal(overwrite.status, 'ERROR', JSON.stringify(overwrite));
    assert.equal(overwrite.code, 'Fs.Replaced');
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'theirs\n', 'a file the run never created was overwritten');
    assert.deepEqual(
      fs.readdirSync(ws).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left behind',
    );
    assert.equal(records.length, before + 1);
  });

  test("durability 'os' (in-place writes): another actor's file renamed over the run's a.txt → the overwrite is refused (Fs.Replaced), their content kept", async () => {
    const { kernel, ws } = session('os');
    await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'mine' } });
    fs.writeFileSync(path.join(ws, 'precious.txt'), 'theirs\n');
    fs.renameSync(path.join(ws, 'precious.txt'), path.join(ws, 'a.txt'));
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'pwned' } });
    await kernel.close();
    assert.equal(overwrite.status, 'ERROR', JSON.stringify(overwrite));
    assert.equal(overwrite.code, 'Fs.Replaced');
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'theirs\n', 'a file the run never created was overwritten in place');
  });

  test("durability 'os': the run rewrites its own a.txt, then deletes it → both OK (the binding follows its file)", async () => {
    const { kernel, ws } = session('os');
    await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'one' } });
    const again = await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'two' } });
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'two');
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/a.txt' });
    await kernel.close();
    assert.equal(again.status, 'OK', JSON.stringify(again));
    assert.equal(del.status, 'OK', JSON.stringify(del));
    assert.equal(fs.existsSync(path.join(ws, 'a.txt')), false);
  });

  test('the run deletes a.txt and someone puts a new file there (the inode may be reused) → delete and overwrite refused, their file kept', async () => {
    const { kernel, ws } = session();
    await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'mine' } });
    const ours = fs.statSync(path.join(ws, 'a.txt'), { bigint: true });
    fs.rmSync(path.join(ws, 'a.txt'));
    fs.writeFileSync(path.join(ws, 'a.txt'), 'theirs\n'); // ext4/XFS often hand it the inode number just freed
    const theirs = fs.statSync(path.join(ws, 'a.txt'), { bigint: true });
    // Born in the same clock tick with the same inode number, the two files could not be told apart (docs/threat-model.md).
    const apart = theirs.ino !== ours.ino || theirs.birthtimeNs !== ours.birthtimeNs;
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'pwned' } });
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/a.txt' });
    await kernel.close();
    if (!apart) return;
    assert.equal(overwrite.code, 'Fs.Replaced');
    assert.equal(del.code, 'Fs.Replaced');
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'theirs\n');
  });

  test('its own file: written, written again (a new file: the entry follows it), appended to in place by a program, then deleted → all OK', async () => {
    const { kernel, ws } = session();
    const first = await kernel.submit({ action: 'fs.write', target: '/workspace/out/a.txt', params: { content: 'one' } });
    const again = await kernel.submit({ action: 'fs.write', target: '/workspace/out/a.txt', params: { content: 'two' } });
    fs.appendFileSync(path.join(ws, 'out', 'a.txt'), ' and three'); // same file, changed in place
    const third = await kernel.submit({ action: 'fs.write', target: '/workspace/out/a.txt', params: { content: 'four' } });
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/out/a.txt' });
    const gone = await kernel.submit({ action: 'fs.delete', target: '/workspace/out/a.txt' });
    await kernel.close();
    assert.deepEqual(
      [first, again, third, del].map((r) => r.status),
      ['OK', 'OK', 'OK', 'OK'],
      JSON.stringify([first, again, third, del]),
    );
    assert.equal(fs.existsSync(path.join(ws, 'out', 'a.txt')), false);
    assert.equal(gone.status, 'DENIED', 'deleted: no longer the run’s');
    assert.deepEqual(Object.keys(first.data as object), ['bytes', 'created'], 'the identity never reaches the agent');
    assert.equal(JSON.stringify(first.data), '{"bytes":3,"created":true}');
  });

  test('a caller-kept state: the write reports the file it created; a path-only entry of older code still lets the run delete its file', async () => {
    const { kernel, ws } = session();
    const wrote = await kernel.submit({ action: 'fs.write', target: '/workspace/a.txt', params: { content: 'mine' } }, { history: {} });
    const entry = wrote.history?.createdFile;
    assert.equal(wrote.history?.created, '/workspace/a.txt');
    const st = fs.statSync(path.join(ws, 'a.txt'), { bigint: true });
    assert.equal(entry, `${st.dev}:${st.ino}:${st.birthtimeNs}`);
    // A run of older code recorded the path only: compatible (checked by path, as before).
    fs.writeFileSync(path.join(ws, 'old.txt'), 'written by the run before the upgrade\n');
    const legacy = await kernel.submit({ action: 'fs.delete', target: '/workspace/old.txt' }, { history: { created: ['/workspace/old.txt'] } });
    // The same with its identity: another file there now → refused.
    const bound = await kernel.submit({ action: 'fs.delete', target: '/workspace/a.txt' }, { history: { createdFiles: [`1:2:3 /workspace/a.txt`] } });
    const malformed = await kernel.submit({ action: 'fs.delete', target: '/workspace/a.txt' }, { history: { createdFiles: ['/workspace/a.txt'] } });
    await kernel.close();
    assert.equal(malformed.code, 'Kernel.MalformedRequest', 'a createdFiles entry is "<identity> <target>"');
    assert.equal(legacy.status, 'OK', JSON.stringify(legacy));
    assert.equal(legacy.history?.removed, '/workspace/old.txt');
    assert.equal(bound.status, 'ERROR');
    assert.equal(bound.code, 'Fs.Replaced');
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'mine');
  });

  test('the path-only run state recorded in 0.3.0/agent-run-created-by-run-paths.json (older code, carried across continue-as-new) still lets its run delete its file', async () => {
    const history = JSON.parse(fs.readFileSync(fixture('histories', '0.3.0', 'agent-run-created-by-run-paths.json'), 'utf8')) as {
      events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[];
    };
    const input = history.events[0]?.workflowExecutionStartedEventAttributes?.input.payloads[0]?.data ?? '';
    const carried = readRunHistory((JSON.parse(Buffer.from(input, 'base64').toString('utf8')) as { carried: { history: unknown } }).carried.history);
    assert.ok(typeof carried !== 'string', String(carried));
    assert.deepEqual(carried, { created: ['/workspace/output/mine.txt'] });
    const { kernel, ws } = session();
    fs.mkdirSync(path.join(ws, 'output'));
    fs.writeFileSync(path.join(ws, 'output', 'mine.txt'), 'content of /workspace/output/mine.txt');
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/output/mine.txt' }, { history: carried });
    await kernel.close();
    assert.equal(del.status, 'OK', JSON.stringify(del));
    assert.equal(fs.existsSync(path.join(ws, 'output', 'mine.txt')), false);
  });
});
