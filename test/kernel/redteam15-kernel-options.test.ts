import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { Kernel, type KernelOptions } from '../../src/kernel/kernel';
import { SpyProvider, tempDir, writePolicy } from './kernel-helpers';

// Red team 15: KernelOptions were taken as given. A typo'd key (`logpath`, `logFile`) was
// ignored, so the kernel ran every action with no audit log at all; a `timeoutMs` that is not
// a number (NaN from an unset environment variable, the string "50") was no timeout at all,
// and a provider that hangs kept its action running for ever. Now both are refused when the
// kernel is built (Kernel.InvalidOptions).

const POLICY = `
version: 1
capabilities:
  - id: run
    action: custom.run
    resource: "**"
`;

const isInvalidOptions = (e: unknown): boolean => hasErrorCode(e, 'Kernel.InvalidOptions');

function build(options: Record<string, unknown>): Kernel | undefined {
  try {
    return new Kernel(options as unknown as KernelOptions);
  } catch (err) {
    assert.ok(isInvalidOptions(err), String(err));
    return undefined;
  }
}

describe('KernelOptions that say less than they seem to (red team 15)', () => {
  test('new Kernel({ logpath }) (a typo of logPath): a submit → refused at construction; no action runs unlogged', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const spy = new SpyProvider('custom', ['custom.run']);
    const kernel = build({ policy: writePolicy(dir, POLICY), providers: [spy], logpath: logPath });
    if (kernel !== undefined) {
      await kernel.submit({ action: 'custom.run', target: 'job' });
      await kernel.close();
    }
    assert.equal(spy.executed.length === 0 || fs.existsSync(logPath), true, 'an action ran and no log was kept');
    assert.equal(kernel, undefined);
  });

  test('new Kernel({ timeoutMs: "50" }) beside one of 50: after the 50 ms one timed out, the other provider still runs → refused at construction', async () => {
    const dir = tempDir();
    const policy = writePolicy(dir, POLICY);
    const waitForSignal = (_r: unknown, context: { signal?: AbortSignal }) =>
      new Promise<string>((resolve) => context.signal?.addEventListener('abort', () => resolve('stopped'), { once: true }));
    const control = new SpyProvider('custom', ['custom.run'], waitForSignal);
    const hung = new SpyProvider('custom', ['custom.run'], waitForSignal);
    const kernel = build({ policy, providers: [hung], timeoutMs: '50' });
    const reference = new Kernel({ policy, providers: [control], timeoutMs: 50 });
    const stop = new AbortController();
    const pending = kernel?.submit({ action: 'custom.run', target: 'job' }, { signal: stop.signal });
    const timedOut = await reference.submit({ action: 'custom.run', target: 'job' });
    assert.equal(timedOut.code, 'Kernel.Timeout');
    const stillRunning = hung.contexts[0]?.signal?.aborted === false;
    stop.abort();
    await pending;
    await Promise.all([kernel?.close(), reference.close()]);
    assert.equal(stillRunning, false, 'a "50" timeout was no timeout');
    assert.equal(kernel, undefined);
  });

  test('new Kernel: timeoutMs NaN, 0, -1, null or "5000" → Kernel.InvalidOptions; a positive number or Infinity → built', async () => {
    const dir = tempDir();
    const policy = writePolicy(dir, POLICY);
    const providers = [new SpyProvider('custom', ['custom.run'])];
    for (const timeoutMs of [NaN, 0, -1, null, '5000', -Infinity]) {
      assert.throws(() => new Kernel({ policy, providers, timeoutMs } as unknown as KernelOptions), isInvalidOptions, String(timeoutMs));
    }
    for (const timeoutMs of [1, 2.5, 30_000, Infinity]) await new Kernel({ policy, providers, timeoutMs }).close();
  });

  test('new Kernel: options not an object, providers not an array, logPath not a non-empty string, approve/observe/freeze not functions → Kernel.InvalidOptions', () => {
    const dir = tempDir();
    const policy = writePolicy(dir, POLICY);
    const bad: Record<string, unknown>[] = [
      { policy, providers: 'fs' },
      { policy, providers: [], logPath: 42 },
      { policy, providers: [], logPath: '' },
      { policy, providers: [], approve: true },
      { policy, providers: [], observe: 'metrics' },
      { policy, providers: [], freeze: {} },
      { policy, providers: [], narrow: 'run.yaml' },
      { policy, providers: [], audit: 'rotate' },
      { policy, providers: [], audit: { rotateByte: 1024 } },
    ];
    for (const options of bad) assert.throws(() => new Kernel(options as unknown as KernelOptions), isInvalidOptions, JSON.stringify(options));
    assert.throws(() => new Kernel(null as unknown as KernelOptions), isInvalidOptions);
  });
});
