/**
 * A `beforeExecute` hook's `beforeEffect` (the reversible layer's `pending` record being
 * fsynced): the action's effect waits for it, and nothing changes if it fails. The filesystem
 * provider prepares its temp file meanwhile; other providers run only after it settles.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import type { ActionRequest, ExecutionStep, SubmitOptions } from '../../src/kernel/types';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { SnapshotStore } from '../../src/reversible/snapshot-store';
import { type BlobStore, FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { Durability } from '../../src/providers/fs-write';
import { SpyProvider, readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';
import { waitFor } from '../helpers/poll';
import { fileFacts, host, makeEnv, open } from './helpers';

/** A promise settled from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Names of the write's temp files in `dir` (`.<name>.<hex>.tmp`). */
function tempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

describe('beforeEffect: the action waits for what the hook made durable', () => {
  test('fs.write at full durability: the temp file is written meanwhile; the target changes only once beforeEffect settles', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const file = host(env, '/workspace/output/a.txt');
    fs.writeFileSync(file, 'before');
    const gate = deferred();
    const pending = kernel.submit(
      { action: 'fs.write', target: '/workspace/output/a.txt', params: { content: 'after' } },
      { beforeExecute: async () => ({ beforeEffect: gate.promise }) },
    );
    const outDir = path.dirname(file);
    // The provider got as far as it may: its temp file holds the new content, fsynced.
    await waitFor(() => tempFiles(outDir).some((n) => fs.readFileSync(path.join(outDir, n), 'utf8') === 'after'), 'the temp file');
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
    gate.resolve();
    const r = await pending;
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'after');
    assert.deepEqual(tempFiles(outDir), []);
  });

  test('beforeEffect rejects → ERROR with its code, the target and its folder untouched, no temp file left, one record', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const file = host(env, '/workspace/output/b.txt');
    fs.writeFileSync(file, 'before');
    const typed = await kernel.submit(
      { action: 'fs.write', target: '/workspace/output/b.txt', params: { content: 'after' } },
      { beforeExecute: async () => ({ beforeEffect: Promise.reject(Object.assign(new Error('disk'), { code: 'Test.Sync' })) }) },
    );
    const untyped = await kernel.submit(
      { action: 'fs.write', target: '/workspace/output/new/deeper/c.txt', params: { content: 'after' } },
      { beforeExecute: async () => ({ beforeEffect: Promise.reject(new Error('/host/secret/path')) }) },
    );
    await kernel.close();
    assert.deepEqual([typed.status, typed.code], ['ERROR', 'Test.Sync']);
    assert.deepEqual([untyped.status, untyped.code], ['ERROR', 'Kernel.HookFailed']);
    assert.ok(!String(untyped.error).includes('/host/secret/path'));
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
    // The missing folders of a new file are created only after it settles: here never.
    assert.equal(fs.existsSync(host(env, '/workspace/output/new')), false);
    assert.deepEqual(tempFiles(path.dirname(file)), []);
    assert.deepEqual(
      readLog(env.logPath).map((r) => r['status']),
      ['ERROR', 'ERROR'],
    );
  });

  test("fs.write with durability 'os' (in place) and fs.delete wait for it too: rejected → nothing changed", async () => {
    const env = makeEnv();
    const provider = new FilesystemProvider({ mounts: { '/workspace': env.ws }, durability: Durability.Os });
    const { kernel } = open(env, { provider });
    const kept = host(env, '/workspace/output/in-place.txt');
    const trash = host(env, '/workspace/trash/t.txt');
    fs.writeFileSync(kept, 'before');
    fs.writeFileSync(trash, 'keep me');
    const inode = fileFacts(kept)?.ino;
    const refuse = { beforeExecute: async () => ({ beforeEffect: Promise.reject(new Error('no')) }) };
    const w = await kernel.submit({ action: 'fs.write', target: '/workspace/output/in-place.txt', params: { content: 'after' } }, refuse);
    const d = await kernel.submit({ action: 'fs.delete', target: '/workspace/trash/t.txt' }, refuse);
    const ok = await kernel.submit(
      { action: 'fs.write', target: '/workspace/output/in-place.txt', params: { content: 'after' } },
      { beforeExecute: async () => ({ beforeEffect: Promise.resolve() }) },
    );
    await kernel.close();
    assert.deepEqual([w.code, d.code, ok.status], ['Kernel.HookFailed', 'Kernel.HookFailed', 'OK']);
    assert.equal(fs.readFileSync(trash, 'utf8'), 'keep me');
    assert.deepEqual([fs.readFileSync(kept, 'utf8'), fileFacts(kept)?.ino], ['after', inode]); // written in place once allowed
  });

  test('the caller aborts while the provider waits for beforeEffect: ERROR Kernel.Aborted, and once it settles nothing changes (write, delete)', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const file = host(env, '/workspace/output/f.txt');
    const trash = host(env, '/workspace/trash/f.txt');
    fs.writeFileSync(file, 'before');
    fs.writeFileSync(trash, 'keep me');
    const gate = deferred();
    const write = new AbortController();
    const del = new AbortController();
    const hook = { beforeExecute: async () => ({ beforeEffect: gate.promise }) };
    const writing = kernel.submit({ action: 'fs.write', target: '/workspace/output/f.txt', params: { content: 'after' } }, { ...hook, signal: write.signal });
    const deleting = kernel.submit({ action: 'fs.delete', target: '/workspace/trash/f.txt' }, { ...hook, signal: del.signal });
    const outDir = path.dirname(file);
    await waitFor(() => tempFiles(outDir).some((n) => fs.readFileSync(path.join(outDir, n), 'utf8') === 'after'), 'the temp file');
    write.abort();
    del.abort();
    const [w, d] = await Promise.all([writing, deleting]);
    assert.deepEqual([w.status, w.code, d.status, d.code], ['ERROR', 'Kernel.Aborted', 'ERROR', 'Kernel.Aborted']);
    // The record the hook wrote becomes durable only now: the action was already answered as failed.
    gate.resolve();
    await waitFor(() => tempFiles(outDir).length === 0, 'the write to finish with its temp file');
    await kernel.close();
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
    assert.equal(fs.readFileSync(trash, 'utf8'), 'keep me');
  });

  test('a provider that does not await it itself: execute runs only after it settles, never if it rejects', async () => {
    const dir = tempDir();
    const spy = new SpyProvider('spy', ['demo.act']);
    const kernel = new Kernel({
      policy: writePolicy(dir, 'capabilities:\n  - action: demo.act\n    resource: "**"\n'),
      providers: [spy],
      logPath: path.join(dir, 'k.log'),
    });
    const refused = await kernel.submit(
      { action: 'demo.act', target: 'x' },
      { beforeExecute: async () => ({ beforeEffect: Promise.reject(new Error('no')) }) },
    );
    assert.deepEqual([refused.code, spy.executed.length], ['Kernel.HookFailed', 0]);
    const gate = deferred();
    let settled = false;
    const pending = kernel.submit(
      { action: 'demo.act', target: 'x' },
      { beforeExecute: async () => ({ beforeEffect: gate.promise.then(() => void (settled = true)) }) },
    );
    await waitFor(() => spy.resolved.length === 2, 'the second request resolved');
    gate.resolve();
    const r = await pending;
    await kernel.close();
    assert.deepEqual([r.status, spy.executed.length, settled], ['OK', 1, true]);
    assert.equal(spy.contexts[0]?.beforeEffect, undefined); // it is the kernel's to wait for, not this provider's
  });

  test('a hook answering a beforeEffect that is not a promise → ERROR Kernel.HookFailed, nothing written', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const hook = async () => ({ beforeEffect: 'soon' }) as unknown as { beforeEffect: Promise<void> };
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/output/d.txt', params: { content: 'x' } }, { beforeExecute: hook });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Kernel.HookFailed']);
    assert.equal(fs.existsSync(host(env, '/workspace/output/d.txt')), false);
  });

  test('a beforeEffect promise that carries its own then (or is a subclass) is judged by its real state: rejected → nothing written', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const file = host(env, '/workspace/output/g.txt');
    fs.writeFileSync(file, 'before');
    /** A rejected promise whose `then` claims it fulfilled. */
    const lying = (): Promise<void> => {
      const p = Promise.reject(new Error('the fsync failed'));
      p.catch(() => undefined);
      return Object.assign(p, { then: (ok: () => void) => (ok(), Promise.resolve()) }) as Promise<void>;
    };
    class Liar extends Promise<void> {
      override then<A = void, B = never>(ok?: ((v: void) => A | PromiseLike<A>) | null): Promise<A | B> {
        ok?.();
        return Promise.resolve() as Promise<A | B>;
      }
    }
    const sub = new Liar((_res, rej) => rej(new Error('the fsync failed')));
    Promise.prototype.then.call(sub, undefined, () => undefined);
    const own = await kernel.submit(
      { action: 'fs.write', target: '/workspace/output/g.txt', params: { content: 'after' } },
      { beforeExecute: async () => ({ beforeEffect: lying() }) },
    );
    const subclass = await kernel.submit(
      { action: 'fs.write', target: '/workspace/output/g.txt', params: { content: 'after' } },
      { beforeExecute: async () => ({ beforeEffect: sub }) },
    );
    await kernel.close();
    assert.deepEqual([own.status, own.code, subclass.status, subclass.code], ['ERROR', 'Kernel.HookFailed', 'ERROR', 'Kernel.HookFailed']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
    assert.deepEqual(tempFiles(path.dirname(file)), []);
  });

  test('answers refused as Kernel.HookFailed with nothing written: a Proxy answer, a throwing beforeEffect getter, a thenable, a Proxy of a promise', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const answers: (() => unknown)[] = [
      () => new Proxy({ beforeEffect: Promise.resolve() }, {}),
      () =>
        Object.defineProperty({}, 'beforeEffect', {
          get() {
            throw new Error('/host/secret');
          },
        }),
      () => ({ beforeEffect: { then: (ok: () => void) => ok() } }),
      () => ({ beforeEffect: new Proxy(Promise.resolve(), {}) }),
    ];
    const codes: unknown[] = [];
    for (const answer of answers) {
      const hook = async () => answer() as { beforeEffect: Promise<void> };
      const r = await kernel.submit({ action: 'fs.write', target: '/workspace/output/i.txt', params: { content: 'x' } }, { beforeExecute: hook });
      codes.push(r.code);
      assert.ok(!String(r.error).includes('/host/secret'));
    }
    await kernel.close();
    assert.deepEqual(
      codes,
      answers.map(() => 'Kernel.HookFailed'),
    );
    assert.equal(fs.existsSync(host(env, '/workspace/output/i.txt')), false);
  });

  test('the reversible layer: a write still rolls back to the content before it, and its record went pending → applied', async () => {
    const env = makeEnv();
    const { layer, kernel, store } = open(env);
    const file = host(env, '/workspace/output/e.txt');
    fs.writeFileSync(file, 'before');
    const r = await layer.submit({ action: 'fs.write', target: '/workspace/output/e.txt', params: { content: 'after' } }, { idempotencyKey: 'e' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'after');
    const lines = fs
      .readFileSync(path.join(env.storeDir, 'records', `${r.recordId}.json`), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { state: string }).state);
    assert.deepEqual(lines, ['registered', 'pending', 'applied']);
    const back = await layer.rollback(r.recordId as string);
    await kernel.close();
    assert.equal(back.status, 'OK');
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
    assert.equal((await store.readRecord(r.recordId as string))?.state, 'rolled-back');
  });

  test('the submit is aborted while the hook still snapshots: the layer answers only once the hook is done — no state lands in the record after the answer', async () => {
    const env = makeEnv();
    const { kernel, store } = open(env);
    const started = deferred();
    const release = deferred();
    /** fs.write snapshots that wait for the test before reading the target. */
    class HeldCapture extends FsWriteSnapshotStrategy {
      override async capture(step: ExecutionStep, blobs: BlobStore) {
        started.resolve();
        await release.promise;
        return super.capture(step, blobs);
      }
    }
    const layer = new ReversibleActionLayer({ kernel, strategies: [new HeldCapture()], store });
    const file = host(env, '/workspace/output/h.txt');
    fs.writeFileSync(file, 'before');
    const states = (recordId: string): string[] =>
      fs
        .readFileSync(path.join(env.storeDir, 'records', `${recordId}.json`), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { state: string }).state);
    const abort = new AbortController();
    let atAnswer: string[] | undefined;
    const submitted = layer
      .submit({ action: 'fs.write', target: '/workspace/output/h.txt', params: { content: 'after' } }, { idempotencyKey: 'h', signal: abort.signal })
      .then((r) => {
        atAnswer = states(r.recordId as string);
        return r;
      });
    await started.promise;
    abort.abort();
    await waitFor(() => readLog(env.logPath).length === 1, "the kernel's audit record"); // the kernel has answered the submit
    release.resolve();
    const r = await submitted;
    await waitFor(() => states(r.recordId as string).includes('pending'), 'the hook to write pending');
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Kernel.Aborted']);
    assert.deepEqual(atAnswer, states(r.recordId as string)); // nothing appended once the record was released
    assert.equal(fs.readFileSync(file, 'utf8'), 'before');
  });

  for (const durability of [Durability.Full, Durability.Os]) {
    test(`created_by_run (durability ${durability}): a create (link), an overwrite of the run's file (replaceOnly), its delete and a mount-root target change nothing while beforeEffect rejects`, async () => {
      const dir = tempDir();
      const ws = path.join(dir, 'ws');
      fs.mkdirSync(ws);
      const policy =
        'capabilities:\n  - action: fs.write\n    resource: /workspace/**\n    created_by_run: true\n  - action: fs.delete\n    resource: /workspace/**\n    created_by_run: true\n';
      const kernel = new Kernel({
        policy: writePolicy(dir, policy),
        providers: [new FilesystemProvider({ mounts: { '/workspace': ws }, durability })],
        logPath: path.join(dir, 'k.log'),
      });
      const refuse = { beforeExecute: async () => ({ beforeEffect: Promise.reject(new Error('no')) }) };
      const allow = { beforeExecute: async () => ({ beforeEffect: Promise.resolve() }) };
      const write = (content: string) => ({ action: 'fs.write', target: '/workspace/sub/a.txt', params: { content } });
      const created = await kernel.submit(write('first'), refuse);
      const folderAfterRefusal = fs.existsSync(path.join(ws, 'sub'));
      const made = await kernel.submit(write('mine'), allow);
      const overwrite = await kernel.submit(write('again'), refuse);
      const del = await kernel.submit({ action: 'fs.delete', target: '/workspace/sub/a.txt' }, refuse);
      const root = await kernel.submit({ action: 'fs.write', target: '/workspace', params: { content: 'x' } }, refuse);
      await kernel.close();
      assert.deepEqual(
        [created.code, made.status, overwrite.code, del.code, root.status],
        ['Kernel.HookFailed', 'OK', 'Kernel.HookFailed', 'Kernel.HookFailed', 'ERROR'],
      );
      assert.equal(folderAfterRefusal, false);
      assert.equal(fs.readFileSync(path.join(ws, 'sub', 'a.txt'), 'utf8'), 'mine');
      assert.deepEqual(fs.readdirSync(path.join(ws, 'sub')), ['a.txt']);
      assert.deepEqual(fs.readdirSync(ws), ['sub']);
    });
  }

  test('a retry that finds the record pending runs the write only once that record is durable here too: its sync fails → ERROR, target unchanged; then OK', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/retry.txt');
    fs.writeFileSync(file, 'prior');
    const request = { action: 'fs.write', target: '/workspace/output/retry.txt', params: { content: 'next' } };
    // Attempt 1 wrote `pending`, then died before the write (its kernel stops right after the hook).
    const a = open(env);
    const dying = {
      submit: (req: ActionRequest, options: SubmitOptions) =>
        a.kernel.submit(req, {
          ...options,
          beforeExecute: async (step) => {
            await options.beforeExecute?.(step);
            throw Object.assign(new Error('worker died'), { code: 'Test.Died' });
          },
        }),
      submitUndo: a.kernel.submitUndo.bind(a.kernel),
    };
    const first = await new ReversibleActionLayer({ kernel: dying, strategies: [new FsWriteSnapshotStrategy()], store: a.store }).submit(request, {
      idempotencyKey: 'retry',
    });
    assert.equal(first.code, 'Test.Died');
    // The retry on worker B cannot make that record durable.
    class UnsyncableStore extends SnapshotStore {
      override syncRecord(): Promise<void> {
        return Promise.reject(Object.assign(new Error('fsync: EIO'), { code: 'Test.EIO' }));
      }
    }
    const b = open(env);
    const bLayer = new ReversibleActionLayer({ kernel: b.kernel, strategies: [new FsWriteSnapshotStrategy()], store: new UnsyncableStore(env.storeDir) });
    const refused = await bLayer.submit(request, { idempotencyKey: 'retry' });
    assert.deepEqual([refused.status, refused.code], ['ERROR', 'Test.EIO']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
    assert.deepEqual(tempFiles(path.dirname(file)), []);
    // Worker C can: the write runs once, with the snapshot attempt 1 took; rollback restores it.
    const c = open(env);
    const done = await c.layer.submit(request, { idempotencyKey: 'retry' });
    const undo = await c.layer.rollback(done.recordId as string);
    await Promise.all([a.kernel.close(), b.kernel.close(), c.kernel.close()]);
    assert.deepEqual([done.status, undo.status], ['OK', 'OK']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'prior');
  });
});
