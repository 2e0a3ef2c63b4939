/**
 * What reversibility costs, each beside a baseline measured in the same run (µs per
 * operation, sequential, awaited; ours and the baseline alternate one operation at a time;
 * median of rounds), at full durability and with durability 'os' (store and provider):
 *
 * - rollback of 1 KiB writes (1,000 writes in all, `BENCH_REVERSIBLE_FILES` to change it):
 *   half as one batch (`rollbackMany`) beside the other half one by one (`rollback`), each
 *   scaled to all writes; and the one-by-one rollbacks vs a raw `fs.promises.writeFile` of
 *   the same prior bytes to a file beside it. A rollback also reads its record, re-resolves
 *   the target, hashes the current file, reads and verifies the blob, writes atomically
 *   (with fsyncs at full durability), appends an audit record and logs its record's new
 *   state; the baseline does none of these.
 * - a write through the layer (records + snapshot, all fsynced) vs the same write through
 *   `kernel.submit` alone: both over an existing 1 KiB file with content of its own (so each
 *   snapshot is a new blob, and with durability 'os' both writes may go in place).
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
const NEXT = 'n'.repeat(1024);

/** 1 KiB of prior content of its own per file (as an agent's files have), so no two snapshots share a blob. */
function prior(name: string): Buffer {
  return Buffer.from(`${name}:`.padEnd(1024, 'p'));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const round = (x: number): number => Math.round(x * 10) / 10;

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
  const batchIds: string[] = [];
  const oneByOne: { id: string; name: string }[] = [];
  let batchMs = 0;
  let oneByOneNs = 0n;
  let rawNs = 0n;
  const viaLayer: number[] = [];
  const viaKernel: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const names = Array.from({ length: perRound }, (_, i) => `r${r}-f${i}.txt`);
      // The same write both ways: over an existing file with content of its own.
      for (const n of names) {
        fs.writeFileSync(path.join(ws, 'output', n), prior(n));
        fs.writeFileSync(path.join(ws, 'output', `plain-${n}`), prior(`plain-${n}`));
      }
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
      batchIds.push(...ids.filter((_, i) => i % 2 === 0));
      for (const [i, id] of ids.entries()) if (i % 2 === 1) oneByOne.push({ id, name: names[i] ?? `${r}-${i}` });
    }
    // Half the records are rolled back as one batch, the other half one by one right after it
    // (alternating with raw rewrites of the prior bytes to a copy, not the restored file).
    const t0 = process.hrtime.bigint();
    const results = await layer.rollbackMany(batchIds);
    batchMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const bad = results.find((res) => res.status !== 'OK');
    if (bad !== undefined) throw new Error(`bench: rollbackMany ${bad.status} ${bad.code ?? ''}`);
    for (const { id, name } of oneByOne) {
      const t1 = process.hrtime.bigint();
      const res = await layer.rollback(id);
      if (res.status !== 'OK') throw new Error(`bench: rollback ${res.status} ${res.code ?? ''}`);
      const t2 = process.hrtime.bigint();
      await fs.promises.writeFile(path.join(ws, 'output', `raw-${name}`), prior(name));
      rawNs += process.hrtime.bigint() - t2;
      oneByOneNs += t2 - t1;
    }
  } finally {
    await kernel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const full = durability === Durability.Full;
  const how = full ? 'durability full (default)' : "durability 'os' (store and provider)";
  // Each half is scaled to all FILES records.
  const perRecordMs = (ms: number, n: number): number => (n === 0 ? 0 : ms / n);
  return [
    {
      name: `rollback of ${FILES} 1 KiB writes (total), ${how}, as a batch (rollbackMany) vs one by one (rollback), same run`,
      ours: Math.round(perRecordMs(batchMs, batchIds.length) * FILES),
      baseline: Math.round(perRecordMs(Number(oneByOneNs) / 1e6, oneByOne.length) * FILES),
      unit: 'ms total',
      note: 'each record audited, verified and atomic either way; the batch shares fsyncs across distinct targets',
    },
    {
      name: `rollback of ${FILES} 1 KiB writes (total) one by one, ${how}, vs raw fs.promises.writeFile of the prior bytes`,
      ours: Math.round(perRecordMs(Number(oneByOneNs) / 1e6, oneByOne.length) * FILES),
      baseline: Math.round(perRecordMs(Number(rawNs) / 1e6, oneByOne.length) * FILES),
      unit: 'ms total',
      note: full ? 'rollback is audited, verified, atomic and fsynced; the baseline is none of these' : 'rollback is audited, verified and atomic, not fsynced',
    },
    {
      name: `fs.write 1 KiB through the reversible layer vs kernel.submit alone, ${how}`,
      ours: round(median(viaLayer)),
      baseline: round(median(viaKernel)),
      unit: 'µs/op',
      note: full
        ? "snapshot + record states, fsynced as each needs; the pending state's fsyncs overlap the write's temp file (the rename waits for them)"
        : 'snapshot blob + record states, atomic, not fsynced',
    },
  ];
}

if (require.main === module) {
  void run().then((rows) => {
    for (const r of rows) console.log(`${r.name}: ours ${r.ours} ${r.unit}, baseline ${r.baseline} ${r.unit}, ratio ${(r.ours / r.baseline).toFixed(1)}`);
  });
}
