import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { tempDir, writePolicy } from './kernel-helpers';

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
  - id: clear-scratch
    action: fs.delete
    resource: /workspace/scratch
    constraint: { recursive: true }
`;

describe('kernel: history-aware rules under attack (real files)', () => {
  test('created_by_run: a file the run wrote, removed with its folder by a recursive delete, then put there again by someone else → the run may neither delete nor overwrite it', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const kernel = new Kernel({
      policy: writePolicy(dir, POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath: path.join(dir, 'kernel.log'),
    });
    const wrote = await kernel.submit({ action: 'fs.write', target: '/workspace/scratch/a.txt', params: { content: 'mine' } });
    const cleared = await kernel.submit({ action: 'fs.delete', target: '/workspace/scratch', params: { recursive: true } });
    // Someone else (a person, another run) now keeps a file of their own at the same path.
    fs.mkdirSync(path.join(ws, 'scratch'));
    fs.writeFileSync(path.join(ws, 'scratch', 'a.txt'), 'theirs\n');
    const overwrite = await kernel.submit({ action: 'fs.write', target: '/workspace/scratch/a.txt', params: { content: 'pwned' } });
    const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/scratch/a.txt' });
    await kernel.close();
    assert.equal(wrote.status, 'OK');
    assert.equal(cleared.status, 'OK', JSON.stringify(cleared));
    assert.equal(fs.existsSync(path.join(ws, 'scratch', 'a.txt')), true, 'their file was deleted by a run that did not create it');
    assert.equal(fs.readFileSync(path.join(ws, 'scratch', 'a.txt'), 'utf8'), 'theirs\n', 'their file was overwritten');
    assert.equal(overwrite.status, 'ERROR');
    assert.equal(overwrite.code, 'Fs.Exists');
    assert.equal(del.status, 'DENIED');
  });
});
