/**
 * Two workers on one store and one record (a Temporal activity retried on worker B while
 * attempt 1 still runs on worker A; a compensation on B while A's attempt is in flight). Each
 * worker is its own kernel + store + layer over the same folders (as two processes would
 * build: no shared lock); the interleavings are forced by hooks, not timing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActionRequest, ActionResult, SubmitOptions } from '../../src/kernel/types';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { recordIdFor } from '../../src/reversible/record-id';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import type { RecordManifest } from '../../src/reversible/record';
import { FsDeleteSnapshotStrategy, FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { type Env, host, makeEnv, open } from './helpers';

const TARGET = '/workspace/output/race.txt';
const KEY = 'wf/run/race';
const write = (content: string): ActionRequest => ({ action: 'fs.write', target: TARGET, params: { content } });

/** A worker whose kernel runs `meanwhile` after the layer registered (or found) the record and before the kernel decides. */
function workerWithGap(env: Env, meanwhile: () => Promise<void>) {
  const w = open(env);
  const kernel = {
    submit: async (request: ActionRequest, options: SubmitOptions) => {
      await meanwhile();
      return w.kernel.submit(request, options);
    },
    submitUndo: w.kernel.submitUndo.bind(w.kernel),
  };
  const layer = new ReversibleActionLayer({ kernel, strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()], store: w.store });
  return { ...w, layer };
}

/** The states of a record's file, in the order written. */
function statesOf(env: Env, recordId: string): string[] {
  return fs
    .readFileSync(path.join(env.storeDir, 'records', `${recordId}.json`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as RecordManifest).state);
}

/** A write strategy that runs `meanwhile` right before it captures the target (after its attempt found the record still registered). */
class CaptureLater extends FsWriteSnapshotStrategy {
  constructor(private readonly meanwhile: () => Promise<void>) {
    super();
  }

  override async capture(...args: Parameters<FsWriteSnapshotStrategy['capture']>): ReturnType<FsWriteSnapshotStrategy['capture']> {
    await this.meanwhile();
    return super.capture(...args);
  }
}

describe('one record, two workers', () => {
  test('two attempts both find the record registered; A writes pending, runs the write and applies before B captures (B sees the result as "before") → the record keeps the first snapshot; rollback restores the prior bytes', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const a = open(env);
    const b = open(env);
    const layerB = new ReversibleActionLayer({
      kernel: b.kernel,
      strategies: [
        new CaptureLater(async () => {
          const first = await a.layer.submit(write('new'), { idempotencyKey: KEY });
          await a.layer.records(); // its `applied` line is written
          assert.equal(first.status, 'OK');
        }),
      ],
      store: b.store,
    });
    const retry = await layerB.submit(write('new'), { idempotencyKey: KEY });
    await layerB.records();
    assert.equal(retry.status, 'OK');
    assert.deepEqual(statesOf(env, recordIdFor(KEY)), ['registered', 'pending', 'applied', 'pending', 'applied']);
    const undo = await open(env).layer.rollback(recordIdFor(KEY));
    await Promise.all([a.kernel.close(), b.kernel.close()]);
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });

  test('retry on worker B while attempt 1 on worker A completes the write between B finding the record and B deciding → B answers already applied; rollback restores the prior bytes', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const a = open(env);
    const b = workerWithGap(env, async () => {
      const first = await a.layer.submit(write('new'), { idempotencyKey: KEY });
      await a.layer.records(); // its `applied` line is written
      assert.equal(first.status, 'OK');
    });
    const retry = await b.layer.submit(write('new'), { idempotencyKey: KEY });
    await b.layer.records();
    const undo = await open(env).layer.rollback(recordIdFor(KEY));
    await Promise.all([a.kernel.close(), b.kernel.close()]);
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
    assert.equal(retry.status, 'OK');
    assert.deepEqual(retry.meta, { alreadyApplied: true });
  });

  test("retry on worker B finds the record registered; attempt 1 on worker A then writes pending, runs the write and dies before `applied` → B answers already applied; rollback restores the prior bytes (not ERROR 'applied record without its snapshot')", async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const id = recordIdFor(KEY);
    const recordFile = path.join(env.storeDir, 'records', `${id}.json`);
    const a = open(env);
    const b = workerWithGap(env, async () => {
      await a.layer.submit(write('new'), { idempotencyKey: KEY });
      await a.layer.records();
      // A died after the write, before its non-durable `applied` line: drop that line.
      const text = fs.readFileSync(recordFile, 'utf8');
      fs.writeFileSync(recordFile, text.slice(0, text.lastIndexOf('\n{') + 1));
      assert.deepEqual(statesOf(env, id), ['registered', 'pending']);
    });
    const retry = await b.layer.submit(write('new'), { idempotencyKey: KEY });
    await b.layer.records();
    const undo = await open(env).layer.rollback(id);
    await Promise.all([a.kernel.close(), b.kernel.close()]);
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
    assert.deepEqual(retry.meta, { alreadyApplied: true });
  });

  test('compensation on worker B revokes the record after attempt 1 on worker A checked it and before A wrote pending; the write then runs → a later rollback restores it (the record is not left revoked)', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const id = recordIdFor(KEY);
    let first: Promise<unknown> | undefined;
    const inner = new FsWriteSnapshotStrategy();
    const slowCapture = Object.assign(Object.create(inner) as FsWriteSnapshotStrategy, {
      capture: async (...args: Parameters<FsWriteSnapshotStrategy['capture']>) => {
        first ??= open(env).layer.rollback(id); // lands while A captures (A already read `registered`)
        assert.equal(((await first) as { status: string }).status, 'NOOP');
        return inner.capture(...args);
      },
    });
    const a = open(env);
    const layer = new ReversibleActionLayer({ kernel: a.kernel, strategies: [slowCapture], store: a.store });
    const done = await layer.submit(write('new'), { idempotencyKey: KEY });
    await layer.records();
    assert.equal(done.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepEqual(statesOf(env, id), ['registered', 'revoked', 'pending', 'applied']);
    const undo = await open(env).layer.rollback(id);
    await a.kernel.close();
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });

  test('compensation on worker B finds the record pending and the target untouched (revoked), then attempt 1 on worker A runs the write → a later rollback restores it', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const id = recordIdFor(KEY);
    const a = open(env);
    const kernel = {
      submit: (request: ActionRequest, options: SubmitOptions) =>
        a.kernel.submit(request, {
          ...options,
          beforeExecute: async (step) => {
            await options.beforeExecute?.(step); // pending written
            const undo = await open(env).layer.rollback(id); // before the provider runs
            assert.equal(undo.status, 'NOOP');
          },
        }),
      submitUndo: a.kernel.submitUndo.bind(a.kernel),
    };
    const layer = new ReversibleActionLayer({ kernel, strategies: [new FsWriteSnapshotStrategy()], store: a.store });
    const done = await layer.submit(write('new'), { idempotencyKey: KEY });
    await layer.records();
    assert.equal(done.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepEqual(statesOf(env, id), ['registered', 'pending', 'revoked', 'applied']);
    const undo = await open(env).layer.rollback(id);
    await a.kernel.close();
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });
  test('compensation on worker B revokes the record after attempt 1 on worker A registered it, before A decided → A refuses (Reversible.Revoked), the target keeps its bytes', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const id = recordIdFor(KEY);
    const a = workerWithGap(env, async () => {
      const undo = await open(env).layer.rollback(id); // appends `revoked` to the file A holds open
      assert.deepEqual([undo.status, undo.reason], ['NOOP', 'the action never took effect']);
    });
    const late = await a.layer.submit(write('new'), { idempotencyKey: KEY });
    await a.layer.records();
    await a.kernel.close();
    assert.deepEqual([late.status, late.code], ['ERROR', 'Reversible.Revoked']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
    assert.deepEqual(statesOf(env, id), ['registered', 'revoked']);
  });

  test("the record's file removed (a sweep) while an attempt holds it open → its later states are written by name, not into the removed file; rollback restores the prior bytes", async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const id = recordIdFor(KEY);
    const a = workerWithGap(env, async () => {
      fs.unlinkSync(path.join(env.storeDir, 'records', `${id}.json`));
    });
    const done = await a.layer.submit(write('new'), { idempotencyKey: KEY });
    await a.layer.records();
    await a.kernel.close();
    assert.equal(done.status, 'OK', JSON.stringify(done));
    assert.deepEqual(statesOf(env, id), ['pending', 'applied']);
    const undo = await open(env).layer.rollback(id);
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });
});

/** A store that runs `meanwhile` before it appends a `registered` line by name (an attempt that found no record in the file). */
class GatedStore extends SnapshotStore {
  constructor(
    dir: string,
    private readonly meanwhile: (m: RecordManifest) => Promise<void>,
  ) {
    super(dir);
  }

  override async writeRecord(manifest: RecordManifest, options: Parameters<SnapshotStore['writeRecord']>[1] = {}): Promise<void> {
    if (manifest.state === 'registered') await this.meanwhile(manifest);
    return super.writeRecord(manifest, options);
  }
}

/**
 * A crash left the record's file without a line (created, then SIGKILL before its first line). Retries on
 * workers A and B both find no record; B starts a millisecond later (a later createdAt) and writes its
 * `registered` line after A's whole attempt (pending, the write, applied) — B sends `contentB`.
 */
async function twoFirstAttempts(env: Env, contentB: string) {
  const id = recordIdFor(KEY);
  fs.mkdirSync(path.join(env.storeDir, 'records'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(env.storeDir, 'records', `${id}.json`), '');
  let bReached!: () => void;
  const bAtGate = new Promise<void>((resolve) => (bReached = resolve));
  let bDone: Promise<ActionResult> | undefined;
  const b = open(env);
  const layerB = new ReversibleActionLayer({
    kernel: b.kernel,
    strategies: [new FsWriteSnapshotStrategy()],
    store: new GatedStore(env.storeDir, async () => {
      bReached();
      await aDone; // A's whole attempt lands before B's registered line
    }),
  });
  const a = open(env);
  const layerA = new ReversibleActionLayer({
    kernel: a.kernel,
    strategies: [new FsWriteSnapshotStrategy()],
    store: new GatedStore(env.storeDir, async (m) => {
      if (bDone === undefined) {
        while (Date.now() <= Date.parse(m.createdAt)); // B's attempt starts a millisecond later
        bDone = layerB.submit(write(contentB), { idempotencyKey: KEY });
      }
      await bAtGate;
    }),
  });
  const aDone = (async () => {
    const first = await layerA.submit(write('new'), { idempotencyKey: KEY });
    await layerA.records();
    return first;
  })();
  const first = await aDone;
  const retry = await (bDone as Promise<ActionResult>);
  await layerB.records();
  const written = fs.readFileSync(host(env, TARGET), 'utf8');
  const undo = await open(env).layer.rollback(id);
  await Promise.all([a.kernel.close(), b.kernel.close()]);
  return { first, retry, written, undo };
}

describe('one record file, two first attempts', () => {
  test('both find no record, B writes its registered line after A applied → B answers already applied, the record keeps the prior bytes; rollback restores them', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const { first, retry, undo } = await twoFirstAttempts(env, 'new');
    assert.equal(first.status, 'OK', JSON.stringify(first));
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
    assert.deepEqual([retry.status, retry.meta], ['OK', { alreadyApplied: true }], JSON.stringify(retry));
  });

  test('both find no record, B sends other params with the same key → B is refused (Reversible.KeyReused), not answered "already applied"; rollback restores the prior bytes', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const { first, retry, written, undo } = await twoFirstAttempts(env, 'other');
    assert.equal(first.status, 'OK', JSON.stringify(first));
    assert.deepEqual([retry.status, retry.code], ['ERROR', 'Reversible.KeyReused'], JSON.stringify(retry));
    assert.equal(written, 'new');
    assert.equal(undo.status, 'OK', JSON.stringify(undo));
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });
});
