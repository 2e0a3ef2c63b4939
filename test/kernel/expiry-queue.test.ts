/**
 * Deadlines share one timer per duration (expiry-queue.ts). What must hold as with one timer
 * each: an expiry fires once, not before its time, in creation order; a cancelled one never
 * fires; a pending one keeps the process alive and a cancelled one does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expireAfter } from '../../src/kernel/expiry-queue';

test('expireAfter: fires once each, in order, not early; cancelled ones never', async () => {
  const fired: number[] = [];
  const started = performance.now();
  const at: number[] = [];
  const expiries = Array.from({ length: 50 }, (_, i) =>
    expireAfter(30, () => {
      fired.push(i);
      at.push(performance.now() - started);
    }),
  );
  for (let i = 0; i < 50; i += 2) expiries[i]?.cancel();
  expiries[1]?.cancel();
  expiries[1]?.cancel(); // idempotent
  await new Promise<void>((resolve) => {
    const done = expireAfter(60, resolve); // same queue for another duration: its own
    void done;
  });
  assert.deepEqual(
    fired,
    Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 2 === 1 && i !== 1),
  );
  for (const t of at) assert.ok(t >= 29, `fired after ${t} ms, before its 30 ms`);
  for (const e of expiries) e.cancel(); // after firing: no effect
});

test('expireAfter: entries added while the timer is armed for an older (cancelled) one still fire on time', async () => {
  expireAfter(40, () => assert.fail('cancelled')).cancel();
  await new Promise((r) => setTimeout(r, 15));
  const started = performance.now();
  const elapsed = await new Promise<number>((resolve) => expireAfter(40, () => resolve(performance.now() - started)));
  assert.ok(elapsed >= 39, `fired after ${elapsed} ms`);
});

test('expireAfter: a pending expiry keeps the process alive, a cancelled one does not', () => {
  const module = path.join(__dirname, '..', '..', 'src', 'kernel', 'expiry-queue.js');
  const pending = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(module)}).expireAfter(200, () => console.log('fired'))`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(pending.stdout.trim(), 'fired');
  const t = performance.now();
  const cancelled = spawnSync(
    process.execPath,
    [
      '-e',
      `const q = require(${JSON.stringify(module)}); q.expireAfter(5, () => {}); q.expireAfter(5, () => {}).cancel(); q.expireAfter(60000, () => console.log('fired')).cancel()`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  assert.equal(cancelled.status, 0);
  assert.equal(cancelled.stdout, '');
  assert.ok(performance.now() - t < 15_000, 'the cancelled 60 s expiry kept the process alive');
});
