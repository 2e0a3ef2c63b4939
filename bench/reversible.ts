/**
 * What reversibility costs, each beside a baseline measured in the same run (µs per
 * operation, sequential, awaited; median of interleaved rounds):
 *
 * - rollback of a 1 KiB write (1,000 writes in all) vs a raw `fs.promises.writeFile` of the
 *   same prior bytes to the same files. The rollback also reads its record, re-resolves the
 *   target, hashes the current file, reads and verifies the blob, writes atomically with
 *   fsync, appends an audit record and rewrites its record (fsynced); the baseline does none.
 * - a write through the layer (records + snapshot, all fsynced) vs the same write through
 *   `kernel.submit` alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../src/kernel/kernel';
import { FilesystemProvider } from '../src/providers/filesystem';
import { Durability } from '../src/providers/fs-write';
import { ReversibleActionLayer } from '../src/reversible/layer';
import { SnapshotStore } from '../src/reversible/snapshot-store';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy } from '../src/reversible/strategies';
import type { BenchRow } from './types';

const POLICY = `capabilities:
  - action: fs.write
    resource: /workspace/output/**
`;
const FILES = 1000;
const ROUNDS = 5;
const PRIOR = Buffer.from('p'.repeat(1024));
const NEXT = 'n'.repeat(1024);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Mean µs per item of `fn` over `items`, sequential. */
async function perItem<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (const item of items) await fn(item);
  return Number(process.hrtime.bigint() - start) / 1000 / items.length;
}

const round = (x: number): number => Math.round(x * 10) / 10;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The reversible layer's benchmark rows: at full durability (the default), then with durability 'os' everywhere. */
export async function run(): Promise<BenchRow[]> {
  return [...(await measure(Durability.Full)), ...(await measure(Durability.Os))];
}

async function measure(durability: Durability): Promise<BenchRow[]> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-bench-rev-')));
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  const policy = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policy, POLICY);
  const kernel = new Kernel({
    policy,
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability })],
    logPath: path.join(dir, 'kernel.log'),
  });
  const layer = new ReversibleActionLayer({
    kernel,
    strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
    store: new SnapshotStore(path.join(dir, 'store'), { durability }),
  });
  const perRound = FILES / ROUNDS;
  const rollback: number[] = [];
  const rawRestore: number[] = [];
  const viaLayer: number[] = [];
  const viaKernel: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const names = Array.from({ length: perRound }, (_, i) => `r${r}-f${i}.txt`);
      for (const n of names) fs.writeFileSync(path.join(ws, 'output', n), PRIOR);
      const write = (n: string) => ({ action: 'fs.write', target: `/workspace/output/${n}`, params: { content: NEXT } });
      const ids: string[] = [];
      viaLayer.push(await perItem(names, async (n) => ids.push((await layer.submit(write(n), { idempotencyKey: `bench/${n}` })).recordId as string)));
      viaKernel.push(await perItem(names, (n) => kernel.submit(write(`plain-${n}`))));
      rollback.push(
        await perItem(ids, async (id) => {
          const res = await layer.rollback(id);
          if (res.status !== 'OK') throw new Error(`bench: rollback ${res.status} ${res.code ?? ''}`);
        }),
      );
      rawRestore.push(await perItem(names, (n) => fs.promises.writeFile(path.join(ws, 'output', n), PRIOR)));
    }
  } finally {
    await kernel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const full = durability === Durability.Full;
  const how = full ? 'durability full (default)' : "durability 'os' (store and provider)";
  return [
    {
      name: `rollback of ${FILES} 1 KiB writes (total), ${how}, vs raw fs.promises.writeFile of the prior bytes`,
      ours: Math.round((sum(rollback) * perRound) / 1000),
      baseline: Math.round((sum(rawRestore) * perRound) / 1000),
      unit: 'ms total',
      note: full ? 'rollback is audited, verified, atomic and fsynced; the baseline is none of these' : 'rollback is audited, verified and atomic, not fsynced',
    },
    {
      name: `fs.write 1 KiB through the reversible layer vs kernel.submit alone, ${how}`,
      ours: round(median(viaLayer)),
      baseline: round(median(viaKernel)),
      unit: 'µs/op',
      note: full ? 'snapshot blob + record states, fsynced as each needs' : 'snapshot blob + record states, atomic, not fsynced',
    },
  ];
}

if (require.main === module) {
  void run().then((rows) => {
    for (const r of rows) console.log(`${r.name}: ours ${r.ours} ${r.unit}, baseline ${r.baseline} ${r.unit}, ratio ${(r.ours / r.baseline).toFixed(1)}`);
  });
}
