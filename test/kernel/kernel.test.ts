import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { UnauthorizedExecutionError } from '../../src/kernel/grant';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = `capabilities:
  - action: kv.get
    resource: "allowed/**"
  - action: kv.slow
    resource: "**"
  - action: kv.boom
    resource: "**"
deny:
  - action: kv.get
    resource: "allowed/secret"
ask:
  - action: kv.get
    resource: "review/**"
`;
const ACTIONS = ['kv.get', 'kv.slow', 'kv.boom', 'kv.unruled'];

function setup(options: { approve?: (r: unknown) => Promise<boolean>; timeoutMs?: number } = {}) {
  const dir = tempDir();
  const logPath = path.join(dir, 'kernel.log');
  const spy = new SpyProvider('kv', ACTIONS, async (request) => {
    if (request.action === 'kv.slow') return new Promise(() => undefined);
    if (request.action === 'kv.boom') throw new Error(`disk full at /host/secret/${dir}`);
    return `value of ${request.canonicalTarget}`;
  });
  const kernel = new Kernel({
    policy: writePolicy(dir, POLICY),
    providers: [spy],
    logPath,
    ...(options.approve ? { approve: options.approve } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { dir, logPath, spy, kernel };
}

/**
 * A kernel over `spy` (allowing kv.get on everything) whose resolve step, once done, has
 * `controller` abort `hops` promise hops later: the abort lands somewhere between resolving and running.
 */
function abortingAfterResolve(hops: number, spy: SpyProvider): { kernel: Kernel; controller: AbortController } {
  const controller = new AbortController();
  const resolve = spy.resolve.bind(spy);
  spy.resolve = async (request) => {
    const resolved = await resolve(request);
    let later = Promise.resolve();
    for (let i = 0; i < hops; i++) later = later.then(() => undefined);
    void later.then(() => controller.abort());
    return resolved;
  };
  const kernel = new Kernel({ policy: writePolicy(tempDir(), 'capabilities:\n  - action: kv.get\n    resource: "**"\n'), providers: [spy] });
  return { kernel, controller };
}

describe('Kernel.submit', () => {
  test('Kernel.submit: allowed custom action → OK with provider data, ruleId and one record', async () => {
    const { kernel, logPath, spy } = setup();
    const result = await kernel.submit({ action: 'kv.get', target: 'allowed/a' });
    await kernel.close();
    assert.equal(result.status, 'OK');
    assert.equal(result.data, 'value of allowed/a');
    assert.equal(result.ruleId, 'capabilities[0]');
    assert.equal(spy.executed.length, 1);
    const records = readLog(logPath);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.['hash'], result.auditRecordId);
    assert.equal(result.recordId, undefined, 'recordId is only for reversible records');
  });

  test('Kernel.submit: denied action → DENIED "not permitted" with reason and rule, provider never executes', async () => {
    const { kernel, spy } = setup();
    const byRule = await kernel.submit({ action: 'kv.get', target: 'allowed/secret' });
    const byDefault = await kernel.submit({ action: 'kv.get', target: 'elsewhere' });
    const unruled = await kernel.submit({ action: 'kv.unruled', target: 'x' });
    await kernel.close();
    for (const r of [byRule, byDefault, unruled]) {
      assert.equal(r.status, 'DENIED');
      assert.equal(r.error, 'not permitted');
      assert.equal(r.code, 'Policy.Denied');
      assert.ok(r.reason && r.reason.length > 0);
    }
    assert.equal(byRule.ruleId, 'deny[0]');
    assert.equal(spy.executed.length, 0);
  });

  test('Kernel.submit: denial by a provider with resolveSync → its record is in the log before submit returns', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({ policy: writePolicy(dir, 'capabilities: []\n'), providers: [new FilesystemProvider()], logPath });
    const pending = kernel.submit({ action: 'fs.write', target: '/etc/passwd', params: { content: 'x' } });
    // Read synchronously, before the promise was awaited: the line already reached the OS.
    const records = readLog(logPath);
    assert.deepEqual(
      records.map((r) => [r['status'], r['target']]),
      [['DENIED', '/etc/passwd']],
    );
    const result = await pending;
    assert.equal(result.status, 'DENIED');
    assert.equal(result.auditRecordId, records[0]?.['hash']);
    await kernel.close();
  });

  test('Kernel.submit: every kind of failure → exactly one audit record each, chain intact', async () => {
    const { kernel, logPath } = setup({ timeoutMs: 50 });
    const results = [
      await kernel.submit(null as never),
      await kernel.submit({ action: 'kv.get' } as never),
      await kernel.submit({ action: 'kv.get', target: 'allowed/a', params: [] } as never),
      await kernel.submit({ action: 'no.such', target: 'x' }),
      await kernel.submit({ action: 'kv.boom', target: 'x' }),
      await kernel.submit({ action: 'kv.slow', target: 'x' }),
      await kernel.submit({ action: 'kv.get', target: 'allowed/secret' }),
      await kernel.submit({ action: 'kv.get', target: 'allowed/a' }, { idempotencyKey: 42 as never }),
    ];
    await kernel.close();
    assert.deepEqual(
      results.map((r) => r.code),
      [
        'Kernel.MalformedRequest',
        'Kernel.MalformedRequest',
        'Kernel.MalformedRequest',
        'Kernel.NoProvider',
        'Kernel.ProviderFailed',
        'Kernel.Timeout',
        'Policy.Denied',
        'Kernel.MalformedRequest',
      ],
    );
    const records = readLog(logPath);
    assert.equal(records.length, results.length);
    assert.deepEqual(
      records.map((r) => r['seq']),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      records.map((r) => r['code']),
      results.map((r) => r.code),
    );
    assert.deepEqual(
      records.map((r) => r['hash']),
      results.map((r) => r.auditRecordId),
    );
    assert.equal((await verifyAuditLog(logPath)).ok, true);
  });

  test('Kernel.submit: provider throws a foreign error → ERROR ProviderFailed without its message (no host paths)', async () => {
    const { kernel, dir } = setup();
    const result = await kernel.submit({ action: 'kv.boom', target: 'x' });
    await kernel.close();
    assert.equal(result.status, 'ERROR');
    assert.ok(!String(result.error).includes(dir), String(result.error));
    assert.match(String(result.error), /provider "kv" failed: Error/);
  });

  test('Kernel.submit: provider exceeds the timeout → ERROR Kernel.Timeout and its signal is aborted', async () => {
    const { kernel, spy } = setup({ timeoutMs: 20 });
    const result = await kernel.submit({ action: 'kv.slow', target: 'x' });
    await kernel.close();
    assert.equal(result.code, 'Kernel.Timeout');
    assert.equal(spy.contexts[0]?.signal?.aborted, true);
  });

  test('Kernel.submit: caller aborts → ERROR Kernel.Aborted with a record', async () => {
    const { kernel, logPath } = setup();
    const controller = new AbortController();
    const pending = kernel.submit({ action: 'kv.slow', target: 'x' }, { signal: controller.signal });
    setImmediate(() => controller.abort());
    const result = await pending;
    await kernel.close();
    assert.equal(result.code, 'Kernel.Aborted');
    assert.equal(readLog(logPath).length, 1);
  });

  test('Kernel.submit: a signal aborted before the submit → ERROR Kernel.Aborted, one record, the provider never called (it used to run, its answer discarded)', async () => {
    const { kernel, spy, logPath } = setup();
    const result = await kernel.submit({ action: 'kv.get', target: 'allowed/a' }, { signal: AbortSignal.abort() });
    await kernel.close();
    assert.deepEqual([result.status, result.code], ['ERROR', 'Kernel.Aborted']);
    assert.equal(spy.executed.length, 0);
    assert.deepEqual(
      readLog(logPath).map((r) => r['code']),
      ['Kernel.Aborted'],
    );
  });

  test('Kernel.submit: aborted while a person approves → ERROR Kernel.Aborted, the approved action never runs', async () => {
    const controller = new AbortController();
    const { kernel, spy } = setup({
      approve: async () => {
        controller.abort();
        return true;
      },
    });
    const result = await kernel.submit({ action: 'kv.get', target: 'review/x' }, { signal: controller.signal });
    await kernel.close();
    assert.deepEqual([result.status, result.code], ['ERROR', 'Kernel.Aborted']);
    assert.equal(spy.executed.length, 0);
  });

  test('Kernel.submitUndo: the undo never runs once the caller aborted — whichever moment between resolving and running the abort lands on', async () => {
    // The abort is sent a few promise hops after the provider resolved the target (0 to 8 hops
    // cover the stretch from resolving to running); the undo's run() must never be called with the
    // signal already aborted. Before, hops 2 and 3 landed after the resolve's race and before run().
    for (let hops = 0; hops <= 8; hops++) {
      const { kernel, controller } = abortingAfterResolve(hops, new SpyProvider('kv', ['kv.get']));
      let calledAborted = false;
      const result = await kernel.submitUndo(
        {
          action: 'kv.get',
          target: 'a',
          undoOf: 'rec-1',
          authority: { effect: 'allow', reason: 'allowed', target: 'a' },
          run: async () => {
            calledAborted ||= controller.signal.aborted;
          },
        },
        { signal: controller.signal },
      );
      await kernel.close();
      assert.equal(calledAborted, false, `hops ${hops}: run() was called after the abort (answer ${result.status} ${result.code ?? ''})`);
    }
  });

  test('Kernel.submit: the provider is never called once the caller aborted — whichever moment between resolving and executing the abort lands on', async () => {
    for (let hops = 0; hops <= 8; hops++) {
      let calledAborted = false;
      const { kernel, controller } = abortingAfterResolve(
        hops,
        new SpyProvider('kv', ['kv.get'], async () => {
          calledAborted ||= controller.signal.aborted; // called after the set-up returned
          return 'done';
        }),
      );
      const result = await kernel.submit({ action: 'kv.get', target: 'a' }, { signal: controller.signal });
      await kernel.close();
      assert.equal(calledAborted, false, `hops ${hops}: execute was called after the abort (answer ${result.status} ${result.code ?? ''})`);
    }
  });

  test('Kernel.submit: ask rule without approve → DENIED "requires approval", provider untouched', async () => {
    const { kernel, spy } = setup();
    const result = await kernel.submit({ action: 'kv.get', target: 'review/x' });
    await kernel.close();
    assert.equal(result.status, 'DENIED');
    assert.equal(result.reason, 'requires approval');
    assert.equal(result.ruleId, 'ask[0]');
    assert.equal(spy.executed.length, 0);
  });

  test('Kernel.submit: ask rule with approve → runs on true, DENIED on false or throw', async () => {
    const answers = [true, false, 'throw'];
    const { kernel, spy } = setup({
      approve: async () => {
        const a = answers.shift();
        if (a === 'throw') throw new Error('no human around');
        return a === true;
      },
    });
    const yes = await kernel.submit({ action: 'kv.get', target: 'review/x' });
    const no = await kernel.submit({ action: 'kv.get', target: 'review/x' });
    const broken = await kernel.submit({ action: 'kv.get', target: 'review/x' });
    await kernel.close();
    assert.equal(yes.status, 'OK');
    assert.deepEqual([no.status, no.reason], ['DENIED', 'approval refused']);
    assert.deepEqual([broken.status, broken.reason], ['DENIED', 'approval failed']);
    assert.equal(spy.executed.length, 1);
  });

  test('Kernel.submit: concurrent submits → records in seq order, one each, chain verifies', async () => {
    const { kernel, logPath } = setup();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => kernel.submit({ action: 'kv.get', target: `allowed/${i}` })));
    await kernel.close();
    assert.ok(results.every((r) => r.status === 'OK'));
    const records = readLog(logPath);
    assert.equal(records.length, 50);
    assert.deepEqual(
      records.map((r) => r['seq']),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.equal((await verifyAuditLog(logPath)).ok, true);
  });

  test('Kernel.submit: after close → ERROR Kernel.Closed, nothing runs', async () => {
    const { kernel, spy } = setup();
    await kernel.close();
    const result = await kernel.submit({ action: 'kv.get', target: 'allowed/a' });
    assert.equal(result.code, 'Kernel.Closed');
    assert.equal(spy.resolved.length, 0);
  });

  test('Kernel.submit: audit write fails → ERROR Kernel.AuditFailed and later submits never reach the provider', async () => {
    const dir = tempDir();
    const spy = new SpyProvider('kv', ['kv.get']);
    const kernel = new Kernel({ policy: writePolicy(dir, 'capabilities:\n  - action: kv.get\n    resource: "**"\n'), providers: [spy], logPath: '/dev/full' });
    const first = await kernel.submit({ action: 'kv.get', target: 'a' });
    const second = await kernel.submit({ action: 'kv.get', target: 'b' });
    await kernel.close();
    assert.equal(first.code, 'Kernel.AuditFailed');
    assert.equal(second.code, 'Kernel.AuditFailed');
    assert.equal(spy.executed.length, 1);
  });
});

describe('Kernel.recordUnknown', () => {
  test('Kernel.recordUnknown: retry of an at-most-once action → UNKNOWN, one record with the key, provider never executes', async () => {
    const { kernel, logPath, spy } = setup();
    const result = await kernel.recordUnknown(
      { action: 'kv.get', target: 'allowed/a' },
      { idempotencyKey: 'wf/run/7', reason: 'an earlier attempt may have run it' },
    );
    await kernel.close();
    assert.equal(result.status, 'UNKNOWN');
    assert.equal(result.code, 'Kernel.OutcomeUnknown');
    assert.equal(spy.executed.length, 0);
    const records = readLog(logPath);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.['status'], 'UNKNOWN');
    assert.equal(records[0]?.['idempotency_key'], 'wf/run/7');
  });
});

describe('Kernel: only submit reaches a provider', () => {
  test('provider.execute: forged context → Kernel.Unauthorized', async () => {
    const spy = new SpyProvider('kv', ['kv.get']);
    const resolved = await spy.resolve({ action: 'kv.get', target: 'a' });
    const forged = { decision: { effect: 'allow' as const, reason: 'trust me', target: 'a' }, constraint: {} };
    await assert.rejects(spy.execute(resolved, forged), (err: unknown) => err instanceof UnauthorizedExecutionError && err.code === 'Kernel.Unauthorized');
    assert.equal(spy.executed.length, 0);
  });

  test('provider.execute: replaying a context the kernel issued → Kernel.Unauthorized', async () => {
    const dir = tempDir();
    const spy = new SpyProvider('kv', ['kv.get']);
    const kernel = new Kernel({ policy: writePolicy(dir, 'capabilities:\n  - action: kv.get\n    resource: "**"\n'), providers: [spy] });
    await kernel.submit({ action: 'kv.get', target: 'a' });
    await kernel.close();
    const [request, context] = [spy.executed[0], spy.contexts[0]];
    assert.ok(request && context);
    await assert.rejects(spy.execute(request, context), { code: 'Kernel.Unauthorized' });
  });
});

describe('Kernel construction', () => {
  test('new Kernel: invalid policy → throws Policy.Invalid (fail closed)', () => {
    const dir = tempDir();
    const file = writePolicy(dir, 'capabilities:\n  - action: fs.read\n    resource: /workspace/**\n    effect: deny\n');
    assert.throws(() => new Kernel({ policy: file, providers: [] }), { code: 'Policy.Invalid' });
  });

  test('new Kernel: missing policy file → throws Policy.FileUnreadable', () => {
    assert.throws(() => new Kernel({ policy: '/nonexistent/policy.yaml', providers: [] }), { code: 'Policy.FileUnreadable' });
  });

  test('new Kernel: two providers claim one action → throws Kernel.DuplicateAction', () => {
    const dir = tempDir();
    const file = writePolicy(dir, 'capabilities: []\n');
    const providers = [new SpyProvider('a', ['kv.get']), new SpyProvider('b', ['kv.get'])];
    assert.throws(() => new Kernel({ policy: file, providers }), { code: 'Kernel.DuplicateAction' });
  });

  test('new Kernel: policy names a custom action no provider registers → throws Policy.Invalid', () => {
    const dir = tempDir();
    const file = writePolicy(dir, 'capabilities:\n  - action: kv.get\n    resource: "**"\n');
    assert.throws(() => new Kernel({ policy: file, providers: [] }), { code: 'Policy.Invalid' });
  });

  test('new Kernel: narrow policy → can deny what the ceiling allows but never widen it', async () => {
    const dir = tempDir();
    const ceiling = writePolicy(dir, 'capabilities:\n  - action: kv.get\n    resource: "a/**"\n');
    const narrow = writePolicy(
      dir,
      'capabilities:\n  - action: kv.get\n    resource: "**"\ndeny:\n  - action: kv.get\n    resource: "a/secret"\n',
      'narrow.yaml',
    );
    const kernel = new Kernel({ policy: ceiling, narrow: [narrow], providers: [new SpyProvider('kv', ['kv.get'])] });
    const [ok, narrowed, widened] = await Promise.all([
      kernel.submit({ action: 'kv.get', target: 'a/x' }),
      kernel.submit({ action: 'kv.get', target: 'a/secret' }),
      kernel.submit({ action: 'kv.get', target: 'b/x' }),
    ]);
    await kernel.close();
    assert.deepEqual([ok.status, narrowed.status, widened.status], ['OK', 'DENIED', 'DENIED']);
  });

  test('new Kernel: existing log → continues its chain (seq and prev)', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const policy = writePolicy(dir, 'capabilities:\n  - action: kv.get\n    resource: "**"\n');
    for (let i = 0; i < 2; i++) {
      const kernel = new Kernel({ policy, providers: [new SpyProvider('kv', ['kv.get'])], logPath });
      await kernel.submit({ action: 'kv.get', target: 'a' });
      await kernel.close();
    }
    const records = readLog(logPath);
    assert.deepEqual(
      records.map((r) => r['seq']),
      [1, 2],
    );
    assert.equal(records[1]?.['prev'], records[0]?.['hash']);
    assert.equal((await verifyAuditLog(logPath)).ok, true);
  });

  test('new Kernel: log whose last line is cut → throws Kernel.AuditCorrupt', () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    fs.writeFileSync(logPath, '{"seq":1,"hash":"ab');
    const policy = writePolicy(dir, 'capabilities: []\n');
    assert.throws(() => new Kernel({ policy, providers: [], logPath }), { code: 'Kernel.AuditCorrupt' });
  });
});
