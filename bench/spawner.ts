/**
 * What starting a sandboxed program costs the worker, through the spawner (the process
 * provider's way, src/providers/spawner) beside `runProcessTree` in the worker itself (the
 * way before), from a process holding a large heap as an agent worker does (300 MB of
 * retained buffers, pages touched): a fork copies the forking process's page tables, so the
 * in-process spawn grows with the worker's memory; the spawner is small.
 *
 * The program is `/bin/true` under bubblewrap (the full sandbox: namespaces, mounts, prlimit).
 * Calls alternate between the two ways; medians of `AOK_BENCH_SPAWNER_CALLS` (default 40) each.
 * Rows: latency per call (ms), worker CPU per call (ms, `process.cpuUsage`, every thread of the
 * worker); the note gives the spawner's own CPU per call (from /proc).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcessTree, type ProcessSpec } from '../src/providers/process-tree';
import { buildSandboxCommand } from '../src/providers/sandbox/bwrap-args';
import { probeSandbox } from '../src/providers/sandbox/probe';
import { runInSpawner, spawnerPid } from '../src/providers/spawner/client';
import type { BenchRow } from './types';

const CALLS = Number(process.env['AOK_BENCH_SPAWNER_CALLS'] ?? 40);
const HEAP_MB = 300;

interface Sample {
  readonly ms: number;
  readonly cpuMs: number;
}

async function measure(run: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** user + system CPU of a process in ms (clock ticks of /proc/<pid>/stat, 100 Hz). */
function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const round = (x: number): number => Math.round(x * 100) / 100;

export async function run(): Promise<BenchRow[]> {
  const probe = probeSandbox();
  if (probe.problem !== undefined) throw new Error(`no sandbox here: ${probe.problem}`);
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-bench-spawner-')));
  // The worker's memory: retained and touched, so its page tables are as large as a real worker's.
  const heap: Buffer[] = Array.from({ length: HEAP_MB }, () => Buffer.allocUnsafe(1024 * 1024).fill(1));
  try {
    const command = buildSandboxCommand(
      { command: '/bin/true', args: [], cwd: '/workspace', env: { PATH: '/usr/bin:/bin' }, mounts: [{ agent: '/workspace', host: ws }] },
      probe,
    );
    const spec: ProcessSpec = {
      file: command.file,
      args: command.args,
      cwd: '/',
      env: {},
      sandbox: command.spawnOptions,
      timeoutMs: 10_000,
      maxOutputBytes: 1024 * 1024,
    };
    for (let i = 0; i < 3; i++) {
      await runProcessTree(spec);
      await runInSpawner(spec);
    }
    const spawnerProcess = spawnerPid() as number;
    const inProcess: Sample[] = [];
    const spawner: Sample[] = [];
    let spawnerCpu = 0;
    for (let i = 0; i < CALLS; i++) {
      inProcess.push(await measure(() => runProcessTree(spec)));
      const before = processCpuMs(spawnerProcess);
      spawner.push(await measure(() => runInSpawner(spec)));
      spawnerCpu += processCpuMs(spawnerProcess) - before;
    }
    const heapNote = `${HEAP_MB} MB retained heap (rss ${Math.round(process.memoryUsage().rss / 1024 ** 2)} MB), bwrap /bin/true, ${CALLS} interleaved calls each, medians`;
    return [
      {
        name: 'sandboxed proc.exec latency: via the spawner vs spawned by the worker',
        ours: round(median(spawner.map((s) => s.ms))),
        baseline: round(median(inProcess.map((s) => s.ms))),
        unit: 'ms/call',
        note: heapNote,
      },
      {
        name: 'sandboxed proc.exec worker CPU: via the spawner vs spawned by the worker',
        ours: round(median(spawner.map((s) => s.cpuMs))),
        baseline: round(median(inProcess.map((s) => s.cpuMs))),
        unit: 'ms/call',
        note: `${heapNote}; the spawner itself used ${round(spawnerCpu / CALLS)} ms CPU/call (mean, 10 ms ticks)`,
      },
    ];
  } finally {
    heap.length = 0; // released for the benches after this one
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
