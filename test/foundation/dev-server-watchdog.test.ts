import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { waitFor } from '../helpers/workspace-snapshot';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('dev server: its parent is killed with SIGKILL → the watchdog ends the server, nothing is orphaned', async () => {
  const devServer = path.join(repoRoot, 'dist', 'src', 'dev', 'dev-server.js');
  const script = `
    const { startDevServer } = require(${JSON.stringify(devServer)});
    startDevServer().then((s) => { process.stdout.write(JSON.stringify({ pid: s.pid, address: s.address }) + '\\n'); setInterval(() => {}, 1000); });
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0]!);
    });
    parent.once('exit', (code) => reject(new Error(`parent exited early with code ${code}`)));
  });
  const { pid } = JSON.parse(line) as { pid: number };
  assert.ok(alive(pid), 'the server runs while its parent lives');
  parent.kill('SIGKILL');
  await waitFor(() => !alive(pid), `server pid ${pid} to be ended by the watchdog`, 30_000);
});
