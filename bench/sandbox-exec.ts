/**
 * One sandboxed `proc.exec` through the process provider, as the worker runs it: `/bin/true`
 * with the working directory in a subfolder of the mount (so the directory check runs, as for
 * every real call). Baseline: the same calls with the sandbox off, through the same spawner.
 *
 * Rows: the CPU the worker's process tree accounts for per call — the worker's own
 * (`process.cpuUsage`) plus the spawner's and its reaped children's (/proc/<spawner>/stat,
 * 10 ms ticks: a batch of 100 resolves 0.1 ms per call) — and the latency. The sandbox's
 * inner processes (bubblewrap's setup child and init, prlimit, the check, the program) are
 * NOT in that figure: bubblewrap exits on its init's report without reaping it, so their CPU
 * is accounted outside the tree. For the whole cost run this file under perf, which follows
 * every descendant: `perf stat -e task-clock node dist/bench/sandbox-exec.js 200` minus the
 * same with `0` (start-up and 10 warm-up calls), divided by 200.
 *
 * Batches of `AOK_BENCH_SANDBOX_CALLS` calls (default 100) alternate between the two
 * providers, `AOK_BENCH_SANDBOX_ROUNDS` rounds (default 5); medians of the per-call means.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { issueGrant } from '../src/kernel/grant';
import { ProcessProvider } from '../src/providers/process';
import { probeSandbox } from '../src/providers/sandbox/probe';
import { spawnerPid } from '../src/providers/spawner/client';
import type { BenchRow } from './types';

const CALLS = Number(process.env['AOK_BENCH_SANDBOX_CALLS'] ?? 100);
const ROUNDS = Number(process.env['AOK_BENCH_SANDBOX_ROUNDS'] ?? 5);

/** user + system CPU of a process and of its reaped children, in ms (clock ticks of /proc/<pid>/stat, 100 Hz). */
function cpuWithChildrenMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (x: number): number => Math.round(x * 100) / 100;

interface Batch {
  readonly cpuMs: number;
  readonly ms: number;
}

/** resolve + execute of `/bin/true` in /workspace/sub, as the kernel does for an allowed request. */
async function call(provider: ProcessProvider): Promise<void> {
  const resolved = await provider.resolve({ action: 'proc.exec', target: '/bin/true', params: { cwd: '/workspace/sub' } });
  const context = issueGrant({ decision: { effect: 'allow', ruleId: 'bench', reason: 'bench', target: resolved.canonicalTarget }, constraint: {} });
  const r = await provider.execute(resolved, context);
  if (r.exitCode !== 0) throw new Error(`exit ${String(r.exitCode)}: ${r.stderr}`);
}

async function batch(provider: ProcessProvider): Promise<Batch> {
  const cpu = process.cpuUsage();
  const spawner = spawnerPid();
  const before = spawner === undefined ? 0 : cpuWithChildrenMs(spawner);
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call(provider);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const after = cpuWithChildrenMs(spawnerPid() as number);
  return { cpuMs: ((used.user + used.system) / 1000 + after - before) / CALLS, ms: ms / CALLS };
}

function workspace(): string {
  const probe = probeSandbox();
  if (probe.problem !== undefined) throw new Error(`no sandbox here: ${probe.problem}`);
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-bench-sandbox-')));
  fs.chmodSync(ws, 0o755);
  fs.mkdirSync(path.join(ws, 'sub'), { mode: 0o755 });
  return ws;
}

export async function run(): Promise<BenchRow[]> {
  const ws = workspace();
  try {
    const sandboxed = new ProcessProvider({ mounts: { '/workspace': ws } });
    const off = new ProcessProvider({ mounts: { '/workspace': ws }, sandbox: 'off' });
    await batch(sandboxed); // the spawner started, the code warm
    await batch(off);
    const on: Batch[] = [];
    const plain: Batch[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      on.push(await batch(sandboxed));
      plain.push(await batch(off));
    }
    const range = (xs: readonly number[]): string => `${round(Math.min(...xs))}–${round(Math.max(...xs))}`;
    const note = `/bin/true, cwd /workspace/sub, ${ROUNDS} alternating batches of ${CALLS} calls, medians of batch means`;
    return [
      {
        name: 'sandboxed proc.exec CPU of worker + spawner + reaped children (not the sandbox inside) vs the sandbox off',
        ours: round(median(on.map((b) => b.cpuMs))),
        baseline: round(median(plain.map((b) => b.cpuMs))),
        unit: 'ms/call',
        note: `${note}; sandboxed range ${range(on.map((b) => b.cpuMs))}`,
      },
      {
        name: 'sandboxed proc.exec latency vs the sandbox off',
        ours: round(median(on.map((b) => b.ms))),
        baseline: round(median(plain.map((b) => b.ms))),
        unit: 'ms/call',
        note,
      },
    ];
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

/** Run directly (under perf): 10 warm-up calls, then `argv[2]` sandboxed calls, nothing else. */
async function main(calls: number): Promise<void> {
  const ws = workspace();
  try {
    const provider = new ProcessProvider({ mounts: { '/workspace': ws } });
    for (let i = 0; i < 10 + calls; i++) await call(provider);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

if (require.main === module) void main(Number(process.argv[2] ?? 200));
