/**
 * The descriptor an attempt keeps on its record file (open-record.ts): never leaked, whatever
 * the attempt's end (an answer, a denial, a refusal, a kernel or hook failure, a store error);
 * never handed to a child process; and a name planted where the record or its marker goes is
 * neither followed nor written through.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ActionRequest, ExecutionStep, SubmitOptions } from '../../src/kernel/types';
import { ReversibleActionLayer } from '../../src/reversible/layer';
import { recordIdFor } from '../../src/reversible/record-id';
import { FsWriteSnapshotStrategy } from '../../src/reversible/strategies';
import { type Env, host, makeEnv, open } from './helpers';

const TARGET = '/workspace/output/fd.txt';
const write = (content: string, target = TARGET): ActionRequest => ({ action: 'fs.write', target, params: { content } });

/** Descriptors open in this process (Linux). */
function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Descriptors of this process that lead into `dir`. */
function fdsInto(dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return out;
}

/** A layer over `env` whose kernel and strategy can be made to fail. */
function failing(env: Env, how: { kernelThrows?: boolean; captureThrows?: boolean; hookAfter?: (step: ExecutionStep) => Promise<void> }) {
  const w = open(env);
  const kernel = {
    submit: async (request: ActionRequest, options: SubmitOptions) => {
      if (how.kernelThrows === true) throw new Error('kernel bug');
      return w.kernel.submit(request, {
        ...options,
        beforeExecute: async (step) => {
          await options.beforeExecute?.(step);
          await how.hookAfter?.(step);
        },
      });
    },
    submitUndo: w.kernel.submitUndo.bind(w.kernel),
  };
  const inner = new FsWriteSnapshotStrategy();
  const strategy = Object.assign(Object.create(inner) as FsWriteSnapshotStrategy, {
    capture: async (...args: Parameters<FsWriteSnapshotStrategy['capture']>) => {
      if (how.captureThrows === true) throw new Error('capture failed');
      return inner.capture(...args);
    },
  });
  return { ...w, layer: new ReversibleActionLayer({ kernel, strategies: [strategy], store: w.store }) };
}

describe('the record file an attempt keeps open', () => {
  test('no descriptor outlives its attempt: applied, replayed, denied, key reused, revoked, kernel throws, capture throws, hook throws after pending, store errors', async () => {
    const env = makeEnv();
    fs.writeFileSync(host(env, TARGET), 'prior');
    const { kernel, layer } = open(env);
    await layer.submit(write('warm-up', '/workspace/output/warm.txt'));
    await layer.records();
    const before = openFds();

    assert.equal((await layer.submit(write('a'), { idempotencyKey: 'k1' })).status, 'OK');
    assert.deepEqual((await layer.submit(write('a'), { idempotencyKey: 'k1' })).meta, { alreadyApplied: true });
    assert.equal((await layer.submit(write('b'), { idempotencyKey: 'k1' })).code, 'Reversible.KeyReused');
    assert.equal((await layer.submit(write('x', '/workspace/trash/no.txt'), { idempotencyKey: 'k2' })).status, 'DENIED');
    assert.equal((await layer.rollback(recordIdFor('k3'), { allowUnknown: true })).status, 'NOOP');
    await layer.submit(write('c'), { idempotencyKey: 'k4' });
    assert.equal((await layer.rollback(recordIdFor('k4'))).status, 'OK');
    assert.equal((await layer.submit(write('c'), { idempotencyKey: 'k4' })).code, 'Reversible.Revoked');
    // a registered record revoked by a compensation, then its attempt
    const revoker = failing(env, {
      hookAfter: async () => {
        throw new Error('hook failed after pending');
      },
    });
    assert.equal((await revoker.layer.submit(write('d'), { idempotencyKey: 'k5' })).status, 'ERROR');
    const thrower = failing(env, { kernelThrows: true });
    assert.equal((await thrower.layer.submit(write('e'), { idempotencyKey: 'k6' })).status, 'ERROR');
    const capturer = failing(env, { captureThrows: true });
    assert.equal((await capturer.layer.submit(write('f'), { idempotencyKey: 'k7' })).status, 'ERROR');
    const records = path.join(env.storeDir, 'records');
    fs.mkdirSync(path.join(records, `${recordIdFor('k8')}.json`));
    assert.equal((await layer.submit(write('g'), { idempotencyKey: 'k8' })).code, 'Reversible.StoreFailed');
    execFileSync('mkfifo', [path.join(records, `${recordIdFor('k9')}.json`)]);
    assert.equal((await layer.submit(write('h'), { idempotencyKey: 'k9' })).code, 'Reversible.StoreFailed');
    await Promise.all([layer.records(), revoker.layer.records(), thrower.layer.records(), capturer.layer.records()]);
    await Promise.all([revoker.kernel.close(), thrower.kernel.close(), capturer.kernel.close()]);

    assert.deepEqual(fdsInto(env.storeDir), []);
    assert.equal(openFds(), before);
    await kernel.close();
  });

  test('a child process started while an attempt holds its record open does not inherit the descriptor', async () => {
    const env = makeEnv();
    const id = recordIdFor('child');
    let inherited: string[] | undefined;
    const w = failing(env, {
      hookAfter: async () => {
        const out = spawnSync('sh', ['-c', 'for f in /proc/self/fd/*; do readlink "$f"; done'], { encoding: 'utf8' });
        inherited = out.stdout.split('\n').filter((l) => l.startsWith(env.storeDir));
      },
    });
    assert.equal((await w.layer.submit(write('x'), { idempotencyKey: 'child' })).status, 'OK');
    await w.layer.records();
    await w.kernel.close();
    assert.ok(fs.existsSync(path.join(env.storeDir, 'records', `${id}.json`)));
    assert.deepEqual(inherited, []);
  });

  test('a symlink planted at the record name (to a file, dangling, or at the legacy marker name) is never followed or written through; the target is untouched', async () => {
    const env = makeEnv();
    const file = host(env, TARGET);
    fs.writeFileSync(file, 'prior');
    const records = path.join(env.storeDir, 'records');
    fs.mkdirSync(records, { recursive: true, mode: 0o700 });
    const canary = path.join(env.root, 'canary.txt');
    fs.writeFileSync(canary, 'canary');
    fs.symlinkSync(canary, path.join(records, `${recordIdFor('s1')}.json`));
    fs.symlinkSync(path.join(env.root, 'nowhere.txt'), path.join(records, `${recordIdFor('s2')}.json`));
    fs.symlinkSync(canary, path.join(records, `${recordIdFor('s3')}.registered`));
    const { kernel, layer } = open(env);
    const r1 = await layer.submit(write('new'), { idempotencyKey: 's1' });
    const r2 = await layer.submit(write('new'), { idempotencyKey: 's2' });
    const r3 = await layer.submit(write('new'), { idempotencyKey: 's3' });
    await layer.records();
    await kernel.close();
    assert.deepEqual([r1.code, r2.code], ['Reversible.StoreFailed', 'Reversible.StoreFailed']);
    assert.equal(fs.readFileSync(canary, 'utf8'), 'canary');
    assert.equal(fs.existsSync(path.join(env.root, 'nowhere.txt')), false);
    // the marker is only read (not followed: StoreFailed), or the record goes to its own file
    assert.ok(r3.code === 'Reversible.StoreFailed' || r3.status === 'OK', JSON.stringify(r3));
  });
});
