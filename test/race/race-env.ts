/**
 * The set-up of the race tier: a workspace mounted at /workspace, a canary folder OUTSIDE
 * it, one real kernel with the real filesystem provider under a policy that grants the
 * whole workspace (and nothing else), and the reversible layer over it. `race` runs a loop
 * of operations while a swapper (swapper.ts) races them, then reports how many swaps
 * happened during the operations and every change to the canary tree, byte for byte.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { writePolicy } from '../kernel/kernel-helpers';
import { diffTree, readTree } from './canary';
import type { Swapper } from './swapper';

/** Operations per race test (each kind): the tier's floor. */
export const OPERATIONS = 2000;

const POLICY = `version: 1
capabilities:
  - { id: read, action: fs.read, resource: "/workspace/**" }
  - { id: list, action: fs.list, resource: "/workspace/**" }
  - { id: write, action: fs.write, resource: "/workspace/**" }
  - { id: delete, action: fs.delete, resource: "/workspace/**", constraint: { recursive: true } }
`;

/** One race's world. */
export interface RaceEnv {
  readonly root: string;
  /** Host folder mounted at /workspace. */
  readonly ws: string;
  /** The canary folder outside every mount. */
  readonly outside: string;
  readonly kernel: Kernel;
  readonly layer: ReversibleActionLayer;
  close(): Promise<void>;
}

const roots: string[] = [];
process.on('exit', () => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh folder for one race, removed when the test process exits: in /dev/shm where it
 * exists (tmpfs: the writes' and the snapshot store's fsyncs cost nothing there, so 2,000
 * operations fit in seconds; the race is the same), else in the system temp folder.
 */
function raceRoot(): string {
  const base = fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : os.tmpdir();
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(base, 'aok-race-')));
  roots.push(dir);
  return dir;
}

/** A fresh world (folders are removed when the test process exits); `durability` is the provider's. */
export function makeRaceEnv(options: { readonly durability?: 'full' | 'os' } = {}): RaceEnv {
  const root = raceRoot();
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(ws);
  fs.mkdirSync(outside);
  const kernel = new Kernel({ policy: writePolicy(root, POLICY), providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, ...options })] });
  const layer = new ReversibleActionLayer({
    kernel,
    strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
    store: new SnapshotStore(path.join(root, 'store')),
  });
  return { root, ws, outside, kernel, layer, close: () => kernel.close() };
}

/** What a race did. */
export interface RaceReport {
  readonly operations: number;
  /** Swaps (or plants) the racer completed while the operations ran. */
  readonly swaps: number;
  /** How many operations ended in each status. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Changes to the canary tree outside the workspace (plus any the test's own `check` found). */
  readonly effects: readonly string[];
}

/**
 * Runs `operations` calls of `op` while the racer `start` returns runs, then compares the
 * canary folder `watch` with its state before. `op` returns a status to tally and may
 * return effects it found itself (e.g. outside names in a listing).
 */
export async function race(options: {
  readonly watch: string;
  readonly start: () => Promise<Swapper>;
  readonly operations?: number;
  readonly op: (i: number) => Promise<{ status: string; effects?: readonly string[] }>;
}): Promise<RaceReport> {
  const operations = options.operations ?? OPERATIONS;
  const before = readTree(options.watch);
  const outcomes: Record<string, number> = {};
  const found: string[] = [];
  const racer = await options.start();
  let swaps: number;
  try {
    for (let i = 0; i < operations; i++) {
      const r = await options.op(i);
      outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
      found.push(...(r.effects ?? []));
    }
  } finally {
    swaps = await racer.stop();
  }
  return { operations, swaps, outcomes, effects: [...diffTree(before, readTree(options.watch)), ...found] };
}

/** Reports the race (test diagnostics) and asserts it raced and left no effect. */
export function assertNoEffects(t: TestContext, report: RaceReport): void {
  const summary = `${report.operations} operations, ${report.swaps} swaps during them, outcomes ${JSON.stringify(report.outcomes)}, ${report.effects.length} outside effects`;
  t.diagnostic(summary);
  assert.ok(report.swaps > 0, `the racer never swapped: the race proves nothing (${summary})`);
  assert.ok(report.operations >= OPERATIONS, `fewer than ${OPERATIONS} operations (${summary})`);
  assert.deepEqual(report.effects.slice(0, 20), [], `${summary}; first effects listed`);
}
