import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import type { PolicyDocument, Rule } from '../../src/policy/types';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { readLog, tempDir, writePolicy } from './kernel-helpers';

// Red team 15: policy documents given as objects were kept by reference and compiled when
// first needed — a narrowed view's on its first submit and again after every reload of the
// ceiling, the ceiling's own document whenever a view was made. So a caller that changed a
// document, or the array of run policies, after handing it over changed the policy in force
// (a run's read-only policy emptied out, a ceiling grant added), while every record still
// carried the hash of the text that was loaded; and a malformed document made `submit` throw
// (no result, no record). Now the kernel copies what it is given, and a view compiles at once.

const CEILING = `
version: 1
capabilities:
  - id: read
    action: fs.read
    resource: /workspace/**
  - id: write
    action: fs.write
    resource: /workspace/**
`;

const READ_ONLY = 'version: 1\ncapabilities:\n  - id: read\n    action: fs.read\n    resource: /workspace/**\n';

function setUp(ceiling: string | PolicyDocument = CEILING) {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  const logPath = path.join(dir, 'kernel.log');
  const policy = typeof ceiling === 'string' ? writePolicy(dir, ceiling) : ceiling;
  const kernel = new Kernel({ policy, providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
  return { dir, ws, logPath, kernel, policyFile: typeof ceiling === 'string' ? policy : undefined };
}

const write = (kernel: Kernel, name: string) => kernel.submit({ action: 'fs.write', target: `/workspace/${name}`, params: { content: 'x' } });

describe('policy documents changed after they were handed to the kernel (red team 15)', () => {
  test("narrowed(layers), then layers emptied and the ceiling reloaded → the run's read-only policy still holds", async () => {
    const { ws, kernel, policyFile } = setUp();
    const layers = [loadPolicyText(READ_ONLY, 'run')];
    const run = kernel.narrowed(layers);
    assert.equal((await write(run, 'a.txt')).status, 'DENIED');
    layers.length = 0;
    kernel.reloadPolicy(policyFile as string);
    const after = await write(run, 'b.txt');
    await kernel.close();
    assert.equal(after.status, 'DENIED');
    assert.equal(fs.existsSync(path.join(ws, 'b.txt')), false);
  });

  test("narrowed([doc]), then the doc's read rule turned into a write rule → the write is still denied", async () => {
    const { ws, kernel } = setUp();
    const doc = loadPolicyText(READ_ONLY, 'run');
    const run = kernel.narrowed([doc]);
    (doc.capabilities[0] as { action: string }).action = 'fs.write';
    const result = await write(run, 'c.txt');
    await kernel.close();
    assert.equal(result.status, 'DENIED');
    assert.equal(fs.existsSync(path.join(ws, 'c.txt')), false);
  });

  test("new Kernel({ policy: doc }) granting reads only, then a write grant pushed into doc → a narrowed view's write is denied", async () => {
    const ceiling = loadPolicyText(READ_ONLY, 'ceiling');
    const { ws, kernel } = setUp(ceiling);
    const writeRule = loadPolicyText(CEILING, 'more').capabilities[1] as Rule;
    (ceiling.capabilities as Rule[]).push(writeRule);
    const run = kernel.narrowed([loadPolicyText(CEILING, 'run')]);
    const result = await write(run, 'd.txt');
    await kernel.close();
    assert.equal(result.status, 'DENIED');
    assert.equal(fs.existsSync(path.join(ws, 'd.txt')), false);
  });

  test('narrowed([a malformed document]) → narrowed throws, or submit answers with a record; submit never throws', async () => {
    const { kernel, logPath } = setUp();
    let run: Kernel | undefined;
    try {
      run = kernel.narrowed([{ version: 1, capabilities: 'nope' } as unknown as PolicyDocument]);
    } catch {
      run = undefined;
    }
    let threw: unknown;
    let status: string | undefined;
    if (run !== undefined) {
      try {
        status = (await write(run, 'e.txt')).status;
      } catch (err) {
        threw = err;
      }
    }
    await kernel.close();
    assert.equal(threw, undefined, `submit threw: ${String(threw)}`);
    if (status !== undefined) assert.equal(readLog(logPath).length, 1);
  });
});
