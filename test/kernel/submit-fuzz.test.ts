import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = `capabilities:
  - action: kv.put
    resource: "allowed/**"
ask:
  - action: kv.put
    resource: "review/**"
`;

function setup() {
  const dir = tempDir();
  const logPath = path.join(dir, 'kernel.log');
  const spy = new SpyProvider('kv', ['kv.put']);
  const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [spy], logPath, timeoutMs: 2_000 });
  return { logPath, spy, kernel };
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const boom = (): never => {
  throw new Error('getter threw');
};
const hostile = (): object => new Proxy({}, { get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom });
const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const throwingGetter = (key: string, base: Record<string, unknown> = {}): object => Object.defineProperty({ ...base }, key, { get: boom, enumerable: true });
const flipping = (key: string, first: unknown, then: unknown): object => {
  let reads = 0;
  return Object.defineProperty({}, key, { get: () => (reads++ === 0 ? first : then), enumerable: true });
};
const aborted = (): AbortSignal => AbortSignal.abort();
const rejected = (): Promise<never> => {
  const p = Promise.reject(new Error('rejected value'));
  p.catch(() => undefined); // the value is handed to the kernel, not left unhandled by the test
  return p;
};

/** Values of every wrong (and some right) type. */
function anyValue(r: () => number): unknown {
  const pick: (() => unknown)[] = [
    () => undefined,
    () => null,
    () => 42,
    () => Number.NaN,
    () => -1,
    () => '',
    () => 'x'.repeat(5000),
    () => 'allowed/a',
    () => true,
    () => [],
    () => [1, 2],
    () => ({}),
    () => Symbol('s'),
    () => 10n,
    () => () => 'fn',
    hostile,
    revoked,
    () => throwingGetter('approver'),
    () => ({ toJSON: boom }),
    () => new Date(),
    () => Object.create(null) as object,
    () => new Proxy(AbortSignal.timeout(1), {}),
    aborted,
    rejected,
  ];
  return pick[Math.floor(r() * pick.length)]!();
}

function anyRequest(r: () => number): unknown {
  const shape = Math.floor(r() * 6);
  const field = (valid: unknown): unknown => (r() < 0.5 ? valid : anyValue(r));
  const base = { action: field('kv.put'), target: field(r() < 0.5 ? 'review/x' : 'allowed/x'), params: field({ v: 1 }) };
  switch (shape) {
    case 0:
      return anyValue(r);
    case 1:
      return base;
    case 2:
      return throwingGetter(['action', 'target', 'params'][Math.floor(r() * 3)]!, base);
    case 3:
      return new Proxy(base, { get: (t, k) => (r() < 0.3 ? boom() : Reflect.get(t, k)) });
    case 4:
      return flipping('target', 'allowed/x', '../../etc/passwd');
    default:
      return { ...base, extra: anyValue(r) };
  }
}

function anyOptions(r: () => number): unknown {
  const shape = Math.floor(r() * 5);
  const field = (valid: unknown): unknown => (r() < 0.4 ? valid : anyValue(r));
  const approval = r() < 0.5 ? field({ approver: field('alice'), reason: field('ok') }) : undefined;
  const base = { idempotencyKey: field('k-1'), signal: field(undefined), approval, beforeExecute: field(undefined) };
  switch (shape) {
    case 0:
      return anyValue(r);
    case 1:
      return base;
    case 2:
      return throwingGetter(['idempotencyKey', 'signal', 'approval', 'beforeExecute'][Math.floor(r() * 4)]!, base);
    case 3:
      return { ...base, approval: throwingGetter('approver') };
    default:
      return new Proxy(base, { get: (t, k) => (r() < 0.3 ? boom() : Reflect.get(t, k)) });
  }
}

/** Runs `fn` and collects every unhandled rejection raised meanwhile. */
async function collectUnhandled(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  try {
    await fn();
    // Unhandled rejections are reported once the microtask queue drains: let it drain.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return seen;
}

describe('Kernel.submit under hostile input', () => {
  test('Kernel.submit: ask rule with approval { approver: 42 } → ERROR Kernel.MalformedRequest, nothing runs, one record', async () => {
    const { kernel, logPath, spy } = setup();
    const unhandled = await collectUnhandled(async () => {
      const result = await kernel.submit({ action: 'kv.put', target: 'review/x' }, { approval: { approver: 42 } } as never);
      assert.equal(result.status, 'ERROR');
      assert.equal(result.code, 'Kernel.MalformedRequest');
      assert.match(result.error ?? '', /approval\.approver must be a non-empty string/);
    });
    await kernel.close();
    assert.deepEqual(unhandled, []);
    assert.equal(spy.executed.length, 0);
    const records = readLog(logPath);
    assert.deepEqual(
      records.map((r) => [r['action'], r['target'], r['status']]),
      [['kv.put', 'review/x', 'ERROR']],
    );
  });

  test('Kernel.submit: request with a throwing getter → ERROR, nothing runs, one record, no unhandled rejection', async () => {
    const { kernel, logPath, spy } = setup();
    const unhandled = await collectUnhandled(async () => {
      const result = await kernel.submit(throwingGetter('target', { action: 'kv.put' }) as never);
      assert.equal(result.status, 'ERROR');
      assert.equal(result.code, 'Kernel.MalformedRequest');
    });
    await kernel.close();
    assert.deepEqual(unhandled, []);
    assert.equal(spy.executed.length, 0);
    assert.equal(readLog(logPath).length, 1);
  });

  test('Kernel.submit: provider throws a typed error whose message turns into an object on a second read → one record each, chain verifies', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const shifty = (): Error => {
      const err = new Error('x');
      let reads = 0;
      // A string when the kernel checks it, an object when it reads it again for the result.
      Object.defineProperty(err, 'message', { get: () => (reads++ < 1 ? 'first read' : { toJSON: boom }) });
      Object.defineProperty(err, 'code', { value: 'Fs.Escape' });
      return err;
    };
    const provider = new SpyProvider('kv', ['kv.put']);
    provider.resolve = () => Promise.reject(shifty());
    const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [provider], logPath });
    const unhandled = await collectUnhandled(async () => {
      for (let i = 0; i < 5; i++) {
        const result = await kernel.submit({ action: 'kv.put', target: 'allowed/x' });
        assert.ok(['DENIED', 'ERROR'].includes(result.status));
        assert.match(result.auditRecordId ?? '', /^[0-9a-f]{64}$/);
      }
    });
    await kernel.close();
    assert.deepEqual(unhandled, []);
    assert.equal(readLog(logPath).length, 5);
    assert.ok((await verifyAuditLog(logPath)).ok);
  });

  test('Kernel.submit: 600 fuzzed requests × options (Proxies, throwing getters, wrong types) → never throws, one record each, no unhandled rejection', async () => {
    const { kernel, logPath, spy } = setup();
    const r = prng(19_016);
    const results: { status: string }[] = [];
    const unhandled = await collectUnhandled(async () => {
      for (let i = 0; i < 600; i++) {
        const request = anyRequest(r);
        const options = anyOptions(r);
        let pending: Promise<{ status: string }>;
        try {
          pending = kernel.submit(request as never, options as never);
        } catch (err) {
          assert.fail(`case ${i}: submit threw synchronously: ${String(err)}`);
        }
        results.push(await pending);
      }
    });
    await kernel.close();
    assert.deepEqual(unhandled, []);
    assert.ok(
      results.every((x) => ['OK', 'DENIED', 'ERROR'].includes(x.status)),
      'every result has a status',
    );
    const records = readLog(logPath);
    assert.equal(records.length, 600, 'exactly one record per submit');
    assert.ok((await verifyAuditLog(logPath)).ok);
    // Nothing ran without a matching record: every executed request is an OK record.
    assert.equal(spy.executed.length, records.filter((x) => x['status'] === 'OK').length);
    // An ask target ran only with a well-formed approver, and its record names them.
    for (const record of records.filter((x) => x['status'] === 'OK' && String(x['target']).startsWith('review/'))) {
      assert.equal(record['approved_by'], 'alice');
    }
    assert.ok(
      results.some((x) => x.status === 'OK'),
      'the fuzzer reached the provider at least once',
    );
  });
});
