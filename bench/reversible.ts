/**
 * What reversibility costs, each beside a baseline measured in the same run (µs per
 * operation, sequential, awaited; ours and the baseline alternate one operation at a time;
 * median of rounds), at full durability and with durability 'os' (store and provider):
 *
 * - rollback of a 1 KiB write (1,000 writes in all) vs a raw `fs.promises.writeFile` of the
 *   same prior bytes to a file beside it. The rollback also reads its record, re-resolves the
 *   target, hashes the current file, reads and verifies the blob, writes atomically (with
 *   fsyncs at full durability), appends an audit record and rewrites its record; the
 *   baseline does none of these.
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
const FILES = Number(process.env.BENCH_REVERSIBLE_FILES ?? 1000);
const ROUNDS = 5;
const PRIOR = Buffer.from('p'.repeat(1024));
const NEXT = 'n'.repeat(1024);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
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
      // Layer and kernel writes alternate one by one, so a load spike lands on both.
      let layerNs = 0n;
      let kernelNs = 0n;
      for (const n of names) {
        const t0 = process.hrtime.bigint();
        ids.push((await layer.submit(write(n), { idempotencyKey: `bench/${n}` })).recordId as string);
        const t1 = process.hrtime.bigint();
        await kernel.submit(write(`plain-${n}`));
        kernelNs += process.hrtime.bigint() - t1;
        layerNs += t1 - t0;
      }
      viaLayer.push(Number(layerNs) / 1000 / names.length);
      viaKernel.push(Number(kernelNs) / 1000 / names.length);
      // Rollbacks and raw rewrites alternate one by one too (the raw rewrite goes to a copy, not the restored file).
      let rollbackNs = 0n;
      let rawNs = 0n;
      for (const [i, id] of ids.entries()) {
        const t0 = process.hrtime.bigint();
        const res = await layer.rollback(id);
        if (res.status !== 'OK') throw new Error(`bench: rollback ${res.status} ${res.code ?? ''}`);
        const t1 = process.hrtime.bigint();
        await fs.promises.writeFile(path.join(ws, 'output', `raw-${names[i] ?? i}`), PRIOR);
        rawNs += process.hrtime.bigint() - t1;
        rollbackNs += t1 - t0;
      }
      rollback.push(Number(rollbackNs) / 1000 / ids.length);
      rawRestore.push(Number(rawNs) / 1000 / ids.length);
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
