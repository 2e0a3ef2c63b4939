/**
 * `Provider.executeSync`: an allowed action its provider finishes synchronously is run,
 * recorded and answered without an `await` (the record is on disk when `submit` returns);
 * (a provider with `resolveSync` too: the kernel's synchronous start); anything that must be
 * awaited around the call, or a provider answering NEEDS_ASYNC, takes
 * the asynchronous path — with one record either way.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertKernelGrant } from '../../src/kernel/grant';
import { Kernel } from '../../src/kernel/kernel';
import { NEEDS_ASYNC, type ActionRequest, type ExecutionContext, type ResolvedRequest } from '../../src/kernel/types';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { SYNC_IO_BYTES } from '../../src/providers/fs-write';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

/** A provider with both paths: `sync` decides what executeSync does. */
class SyncSpy extends SpyProvider {
  readonly syncCalls: ResolvedRequest[] = [];
  constructor(private readonly sync: (request: ResolvedRequest) => unknown) {
    super('kv', ['kv.get', 'kv.ask'], async () => 'from execute');
  }
  resolveSync(request: ActionRequest): ResolvedRequest {
    return { action: request.action, target: request.target, canonicalTarget: request.target, params: request.params ?? {} };
  }
  executeSync(request: ResolvedRequest, context: ExecutionContext): unknown {
    assertKernelGrant(context, this.name);
    this.syncCalls.push(request);
    return this.sync(request);
  }
}

const POLICY = 'capabilities:\n  - action: kv.get\n    resource: "**"\n  - action: kv.ask\n    resource: "**"\nask:\n  - action: kv.ask\n    resource: "**"\n';

function setup(sync: (request: ResolvedRequest) => unknown, extra: Partial<ConstructorParameters<typeof Kernel>[0]> = {}) {
  const dir = tempDir();
  const logPath = path.join(dir, 'kernel.log');
  const spy = new SyncSpy(sync);
  const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [spy], logPath, ...extra });
  return { kernel, spy, logPath };
}

describe('Provider.executeSync', () => {
  test('allowed, nothing to await → executeSync runs, its record is on disk when submit returns (no await), execute is never called', async () => {
    const { kernel, spy, logPath } = setup(() => 'from sync');
    const pending = kernel.submit({ action: 'kv.get', target: 'a' });
    const onDisk = readLog(logPath); // before any await
    const result = await pending;
    await kernel.close();
    assert.deepEqual([result.status, result.data], ['OK', 'from sync']);
    assert.deepEqual([spy.syncCalls.length, spy.executed.length], [1, 0]);
    assert.deepEqual(
      onDisk.map((r) => [r['status'], r['target']]),
      [['OK', 'a']],
    );
    assert.equal(result.auditRecordId, onDisk[0]?.['hash']);
  });

  test('NEEDS_ASYNC → execute runs with a fresh grant; one record, the one of execute', async () => {
    const { kernel, spy, logPath } = setup(() => NEEDS_ASYNC);
    const result = await kernel.submit({ action: 'kv.get', target: 'a' });
    await kernel.close();
    assert.deepEqual([result.status, result.data], ['OK', 'from execute']);
    assert.deepEqual([spy.syncCalls.length, spy.executed.length], [1, 1]);
    assert.deepEqual(
      readLog(logPath).map((r) => r['status']),
      ['OK'],
    );
  });

  test('executeSync throws → ERROR with its code, one record, execute never called', async () => {
    const { kernel, spy, logPath } = setup(() => {
      throw Object.assign(new Error('no such key'), { code: 'Kv.Missing' });
    });
    const result = await kernel.submit({ action: 'kv.get', target: 'a' });
    await kernel.close();
    assert.deepEqual([result.status, result.code, spy.executed.length], ['ERROR', 'Kv.Missing', 0]);
    const records = readLog(logPath);
    assert.deepEqual(
      records.map((r) => [r['status'], r['code']]),
      [['ERROR', 'Kv.Missing']],
    );
  });

  test('an ask rule (approved) or a beforeExecute hook → the asynchronous path: execute, never executeSync', async () => {
    const { kernel, spy, logPath } = setup(() => 'from sync', { approve: async () => true });
    const asked = await kernel.submit({ action: 'kv.ask', target: 'a' });
    const hooked = await kernel.submit({ action: 'kv.get', target: 'b' }, { beforeExecute: async () => undefined });
    await kernel.close();
    assert.deepEqual([asked.data, hooked.data], ['from execute', 'from execute']);
    assert.deepEqual([spy.syncCalls.length, spy.executed.length], [0, 2]);
    assert.equal(readLog(logPath).length, 2);
  });

  test('decided before as deny, now allowed → DENIED Kernel.DecisionChanged on the synchronous path too; nothing runs', async () => {
    const { kernel, spy } = setup(() => 'from sync');
    const result = await kernel.submit({ action: 'kv.get', target: 'a' }, { decided: { effect: 'deny', target: 'a' } });
    await kernel.close();
    assert.deepEqual([result.status, result.code], ['DENIED', 'Kernel.DecisionChanged']);
    assert.deepEqual([spy.syncCalls.length, spy.executed.length], [0, 0]);
  });

  test('executeSync ran (its effect happened), then the audit write fails → the answer says it ran, with Kernel.AuditFailed', async () => {
    const ref: { audit?: { fd?: number } } = {};
    const { kernel, logPath } = setup(() => {
      const fd = ref.audit?.fd;
      if (fd !== undefined) fs.closeSync(fd); // the disk fails right after the effect
      return 'stored';
    });
    Object.assign(ref, { audit: (kernel as unknown as { audit: { fd?: number } }).audit });
    const result = await kernel.submit({ action: 'kv.get', target: 'a' });
    await kernel.close().catch(() => undefined);
    assert.deepEqual([result.status, result.data, result.code], ['OK', 'stored', 'Kernel.AuditFailed']);
    assert.match(result.error ?? '', /ran/);
    assert.deepEqual(readLog(logPath), []);
  });

  test('executeSync returns a promise, native or a thenable (a provider that broke the contract) → ERROR, recorded as such; never OK with a promise as data, its rejection never unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      let thenableSettled: unknown;
      const { kernel, spy, logPath } = setup((request) =>
        request.target === 'fails'
          ? Promise.reject(new Error('the write failed, later'))
          : request.target === 'thenable'
            ? { then: (_ok: unknown, fail: (err: unknown) => void) => (thenableSettled = fail) } // a non-native promise
            : Promise.resolve('later'),
      );
      const failing = await kernel.submit({ action: 'kv.get', target: 'fails' });
      const resolving = await kernel.submit({ action: 'kv.get', target: 'resolves' });
      const thenable = await kernel.submit({ action: 'kv.get', target: 'thenable' });
      await kernel.close();
      assert.deepEqual([thenable.status, thenable.code], ['ERROR', 'Kernel.ProviderFailed']);
      assert.equal(typeof thenableSettled, 'function', 'a rejection handler was attached to the thenable');
      // One turn of the event loop: a rejection nobody handles is reported by then.
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.deepEqual([failing.status, failing.code], ['ERROR', 'Kernel.ProviderFailed']);
      assert.deepEqual([resolving.status, resolving.code], ['ERROR', 'Kernel.ProviderFailed']);
      assert.equal(spy.executed.length, 0);
      assert.deepEqual(
        readLog(logPath).map((r) => [r['status'], r['code']]),
        [
          ['ERROR', 'Kernel.ProviderFailed'],
          ['ERROR', 'Kernel.ProviderFailed'],
          ['ERROR', 'Kernel.ProviderFailed'],
        ],
      );
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('FilesystemProvider.executeSync called directly (a forged context) → Kernel.Unauthorized, nothing read', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'secret'), 'x');
    const provider = new FilesystemProvider({ mounts: { '/workspace': dir } });
    const resolved = provider.resolveSync({ action: 'fs.read', target: '/workspace/secret' });
    const forged = { decision: { effect: 'allow' as const, reason: 'trust me', target: '/workspace/secret' }, constraint: {} };
    assert.throws(() => provider.executeSync(resolved, forged), { code: 'Kernel.Unauthorized' });
  });
});

describe('fs.read through executeSync', () => {
  function fsKernel() {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const logPath = path.join(dir, 'kernel.log');
    const policy = writePolicy(dir, `capabilities:\n  - action: fs.read\n    resource: /workspace/**\n`);
    const kernel = new Kernel({ policy, providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })], logPath });
    return { kernel, ws, logPath };
  }

  test('a small file → read and recorded before submit returns; one after another, each gets its own bytes (the reused buffer never leaks)', async () => {
    const { kernel, ws, logPath } = fsKernel();
    fs.writeFileSync(path.join(ws, 'long.txt'), 'L'.repeat(900));
    fs.writeFileSync(path.join(ws, 'short.txt'), 'é.');
    const long = kernel.submit({ action: 'fs.read', target: '/workspace/long.txt' });
    assert.equal(readLog(logPath).length, 1, 'recorded before any await');
    const short = await kernel.submit({ action: 'fs.read', target: '/workspace/short.txt' });
    const b64 = await kernel.submit({ action: 'fs.read', target: '/workspace/short.txt', params: { encoding: 'base64' } });
    await kernel.close();
    assert.equal((await long).data, 'L'.repeat(900));
    assert.deepEqual([short.data, short.meta], ['é.', { encoding: 'utf8', bytes: 3, size: 3, truncated: false }]);
    assert.equal(b64.data, Buffer.from('é.').toString('base64'));
  });

  test(`a file larger than SYNC_IO_BYTES (${SYNC_IO_BYTES}) → NEEDS_ASYNC, read whole by execute, one record; max_bytes under it → read synchronously, truncated`, async () => {
    const { kernel, ws, logPath } = fsKernel();
    const content = `${'é'.repeat(SYNC_IO_BYTES)}end`; // 2 bytes each: twice the limit, and more
    fs.writeFileSync(path.join(ws, 'big.txt'), content);
    const big = await kernel.submit({ action: 'fs.read', target: '/workspace/big.txt' });
    const head = await kernel.submit({ action: 'fs.read', target: '/workspace/big.txt', params: { max_bytes: 4 } });
    await kernel.close();
    assert.equal(big.status, 'OK');
    assert.equal(big.data, content);
    assert.deepEqual(big.meta, { encoding: 'utf8', bytes: Buffer.byteLength(content), size: Buffer.byteLength(content), truncated: false });
    assert.deepEqual([head.data, head.meta?.['truncated']], ['éé', true]);
    assert.deepEqual(
      readLog(logPath).map((r) => r['status']),
      ['OK', 'OK'],
    );
  });
});
