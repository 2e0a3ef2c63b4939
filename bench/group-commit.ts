/**
 * Group commit: 32 concurrent `fs.write`s (1 KiB each, full durability: file and folder
 * fsynced) vs the same writes one after another, in the same run. Throughput in writes/s;
 * the ratio is concurrent / sequential (higher is better). Concurrent fsyncs share a journal
 * commit in the filesystem, and the folder fsyncs are shared by the kernel (fs-group-sync.ts);
 * libuv's thread pool (UV_THREADPOOL_SIZE, default 4) bounds how many fsyncs run at once, so
 * unless UV_THREADPOOL_SIZE is set the row is measured with 4 and with 16 threads, each in a
 * process of its own. The files go to os.tmpdir() (TMPDIR): the figures depend on that
 * filesystem (docs/performance.md, round 9: with a journal, and on this VM's journal-less root).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../src/kernel/kernel';
import { FilesystemProvider } from '../src/providers/filesystem';
import type { BenchRow } from './types';

const WRITERS = 32;
const PER_WRITER = 4;
const ROUNDS = 3;
/** The pool sizes measured side by side when UV_THREADPOOL_SIZE is not set. */
const POOLS = [4, 16] as const;
const CHILD_FLAG = '--measure-in-this-process';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

interface Measured {
  readonly concurrent: number;
  readonly sequential: number;
}

/** Medians of {@link ROUNDS} rounds in this process (its libuv pool is whatever UV_THREADPOOL_SIZE made it). */
async function measure(): Promise<Measured> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-bench-gc-')));
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  const policy = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policy, 'capabilities:\n  - action: fs.write\n    resource: /workspace/output/**\n');
  const kernel = new Kernel({ policy, providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath: path.join(dir, 'kernel.log') });
  const content = 'w'.repeat(1024);
  const write = async (name: string): Promise<void> => {
    const res = await kernel.submit({ action: 'fs.write', target: `/workspace/output/${name}`, params: { content } });
    if (res.status !== 'OK') throw new Error(`group-commit bench: ${res.status} ${res.error ?? ''}`);
  };
  const total = WRITERS * PER_WRITER;
  const concurrent: number[] = [];
  const sequential: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      let t = process.hrtime.bigint();
      for (let i = 0; i < total; i++) await write(`s${r}-${i}.txt`);
      sequential.push(total / (Number(process.hrtime.bigint() - t) / 1e9));
      t = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < PER_WRITER; i++) await write(`c${r}-${w}-${i}.txt`);
        }),
      );
      concurrent.push(total / (Number(process.hrtime.bigint() - t) / 1e9));
    }
  } finally {
    await kernel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { concurrent: Math.round(median(concurrent)), sequential: Math.round(median(sequential)) };
}

/** How long one child may take (its three rounds take seconds; a slow disk, minutes). */
const CHILD_TIMEOUT_MS = 10 * 60_000;

/**
 * {@link measure} in a child process whose libuv pool has `pool` threads (the size is read once, when the pool starts).
 * @throws Error naming the pool and the child's last line of stderr when it fails, times out or prints no figures.
 */
function measureWithPool(pool: number): Measured {
  const child = spawnSync(process.execPath, [__filename, CHILD_FLAG], {
    env: { ...process.env, UV_THREADPOOL_SIZE: String(pool) },
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
  });
  const why = (): string => {
    const last = (child.stderr ?? '').trim().split('\n').at(-1) ?? ''; // the child's error, one line (below)
    const how = child.error !== undefined ? child.error.message : child.signal !== null ? `killed by ${child.signal}` : `exit ${String(child.status)}`;
    return `group-commit bench with UV_THREADPOOL_SIZE=${pool}: ${how}${last ? ` — ${last}` : ''}`;
  };
  if (child.error !== undefined || child.status !== 0) throw new Error(why());
  let m: Partial<Measured>;
  try {
    m = JSON.parse(child.stdout) as Partial<Measured>;
  } catch {
    throw new Error(`${why()}: no figures on stdout`);
  }
  if (!Number.isFinite(m.concurrent) || !Number.isFinite(m.sequential)) throw new Error(`${why()}: no figures on stdout`);
  return m as Measured;
}

function row(m: Measured, pool: string): BenchRow {
  return {
    name: `${WRITERS} concurrent fs.write 1 KiB (fsynced) vs sequential, UV_THREADPOOL_SIZE=${pool}`,
    ours: m.concurrent,
    baseline: m.sequential,
    unit: 'writes/s (higher is better)',
    note: `full durability; files in ${os.tmpdir()}; ${os.cpus().length} cores`,
  };
}

/**
 * The group-commit rows: with UV_THREADPOOL_SIZE set, one row in this process; otherwise one
 * per pool size in {@link POOLS} (libuv's default and the size docs/performance.md
 * recommends for workers that make many fsynced writes), each in its own process.
 */
export async function run(): Promise<BenchRow[]> {
  const asked = process.env['UV_THREADPOOL_SIZE'];
  if (asked !== undefined) return [row(await measure(), asked)];
  return POOLS.map((pool) => row(measureWithPool(pool), pool === 4 ? '4 (default)' : String(pool)));
}

if (require.main === module) {
  if (process.argv.includes(CHILD_FLAG))
    void measure().then(
      (m) => process.stdout.write(JSON.stringify(m)),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  else void run().then((rows) => console.table(rows));
}
