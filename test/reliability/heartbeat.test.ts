import { describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Context, asyncLocalStorage, type Info } from '@temporalio/activity';
import { noopMetricMeter } from '@temporalio/common';
import { ACTION_HEARTBEAT_INTERVAL_MS, whileHeartbeating } from '../../src/activities/heartbeat';

/** Runs `fn` as an activity whose heartbeats are counted (what the worker does, without a worker). */
function asActivity<T>(fn: () => Promise<T>): { result: Promise<T>; heartbeats: () => number } {
  let heartbeats = 0;
  const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
  const context = new Context(
    { attempt: 1 } as Info,
    new Promise<never>(() => undefined),
    new AbortController().signal,
    () => void heartbeats++,
    undefined,
    log as never,
    noopMetricMeter,
    {} as never,
  );
  return { result: asyncLocalStorage.run(context, fn), heartbeats: () => heartbeats };
}

describe('whileHeartbeating', () => {
  test('work that settles within its first interval sends no heartbeat (the server counts the heartbeat timeout from the start)', async () => {
    const run = asActivity(() => whileHeartbeating(async () => 'done', ACTION_HEARTBEAT_INTERVAL_MS));
    assert.equal(await run.result, 'done');
    assert.equal(run.heartbeats(), 0);
  });

  test('work that runs longer heartbeats once per interval from the end of the first one, and stops when it settles', async (t) => {
    mock.timers.enable({ apis: ['setInterval'] });
    t.after(() => mock.timers.reset());
    let finish: (value: string) => void = () => undefined;
    const run = asActivity(() => whileHeartbeating(() => new Promise<string>((resolve) => (finish = resolve)), ACTION_HEARTBEAT_INTERVAL_MS));
    mock.timers.tick(ACTION_HEARTBEAT_INTERVAL_MS - 1);
    assert.equal(run.heartbeats(), 0, 'none before the first interval has passed');
    mock.timers.tick(1);
    assert.equal(run.heartbeats(), 1, 'the first at one interval: liveness and cancellation are reported from then on');
    mock.timers.tick(2 * ACTION_HEARTBEAT_INTERVAL_MS);
    assert.equal(run.heartbeats(), 3);
    finish('done');
    assert.equal(await run.result, 'done');
    mock.timers.tick(10 * ACTION_HEARTBEAT_INTERVAL_MS);
    assert.equal(run.heartbeats(), 3, 'none after the work settled');
  });
});
