import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeWorkspace } from './process-fixture';

// Red team 15b: the spawner closes the descriptors the worker inherited by accident, but a stdio MCP
// server is started by the worker itself (spawnSandboxed), and bubblewrap closes nothing it did not
// open: a sandboxed server wrote into a host file outside its mounts through the worker's fd 50.
describe('spawnSandboxed and the descriptors the worker inherited (red team 15b)', () => {
  const ws = makeWorkspace();
  const outside = makeWorkspace(); // a host folder no program has mounted
  after(() => {
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('spawnSandboxed: the worker holds a host file on fd 50 → the sandboxed program cannot write into it', async () => {
    const harness = path.join(__dirname, 'sandboxed-fd-harness.js');
    const file = path.join(outside, 'worker.log');
    fs.writeFileSync(file, '');
    const worker = spawn('/bin/bash', ['-c', 'exec 50>>"$0"; exec "$@"', file, process.execPath, harness, JSON.stringify({ workspace: ws })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    let out = '';
    worker.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    assert.equal(await exited, 0, 'the harness ran the program');
    const seen = JSON.parse(out) as { fd50: string; code: number | null };
    assert.equal(seen.fd50, file, 'the worker did hold the file');
    assert.equal(fs.readFileSync(file, 'utf8'), '', 'a sandboxed program wrote into a host file through a descriptor of the worker');
  });
});
