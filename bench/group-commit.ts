/**
 * Group commit: 32 concurrent `fs.write`s (1 KiB each, full durability: file and folder
 * fsynced) vs the same writes one after another, in the same run. Throughput in writes/s;
 * the ratio is concurrent / sequential (higher is better). Concurrent fsyncs share a journal
 * commit in the filesystem, and the folder fsyncs are shared by the kernel (fs-group-sync.ts);
 * libuv's thread pool (UV_THREADPOOL_SIZE, default 4) bounds how many fsyncs run at once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../src/kernel/kernel';
import { FilesystemProvider } from '../src/providers/filesystem';
import type { BenchRow } from './types';

const WRITERS = 32;
const PER_WRITER = 4;
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** The group-commit row. */
export async function run(): Promise<BenchRow[]> {
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
  const pool = process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)';
  return [
    {
      name: `${WRITERS} concurrent fs.write 1 KiB (fsynced) vs sequential`,
      ours: Math.round(median(concurrent)),
      baseline: Math.round(median(sequential)),
      unit: 'writes/s (higher is better)',
      note: `full durability; UV_THREADPOOL_SIZE=${pool}; ${os.cpus().length} cores`,
    },
  ];
}

if (require.main === module) {
  void run().then((rows) => console.table(rows));
}
