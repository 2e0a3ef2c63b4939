/**
 * Load: the 100 × 20 figure (100 concurrent runs × 20 tool calls on one worker process) as a
 * bench row. Runs test/reliability/load.test.ts at that size (it asserts nothing was lost or
 * duplicated and prints its figures) and reports throughput and the p50 / p99 latency of one
 * tool call. No baseline is measured beside it (the ratio column is n/a).
 *
 * Size: AOK_LOAD_RUNS × AOK_LOAD_CALLS (default 100 × 20).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { BenchRow } from './types';

/** The load test starts its own dev server (SQLite persistence); the shared one is not needed. */
export const needsTemporal = false;

export async function run(): Promise<BenchRow[]> {
  const runs = process.env['AOK_LOAD_RUNS'] ?? '100';
  const calls = process.env['AOK_LOAD_CALLS'] ?? '20';
  const testFile = path.join(__dirname, '..', 'test', 'reliability', 'load.test.js');
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', testFile], {
      env: { ...process.env, AOK_LOAD_RUNS: runs, AOK_LOAD_CALLS: calls },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`the load test failed (exit ${code}):\n${out.slice(-2000)}`))));
  });
  const line = /load figures: (\{.*\})/.exec(output)?.[1];
  if (line === undefined) throw new Error('the load test printed no figures');
  const f = JSON.parse(line) as { toolCallsPerSecond: number; p50Ms: number; p99Ms: number; seconds: number };
  const size = `${runs} runs × ${calls} tool calls on one worker, ${f.seconds} s`;
  return [
    { name: `load: throughput (${size})`, ours: f.toolCallsPerSecond, baseline: NaN, unit: 'tool calls/s', note: 'nothing lost or duplicated (asserted)' },
    { name: 'load: one tool call, p50', ours: f.p50Ms, baseline: NaN, unit: 'ms' },
    { name: 'load: one tool call, p99', ours: f.p99Ms, baseline: NaN, unit: 'ms' },
  ];
}
