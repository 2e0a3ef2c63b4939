/**
 * Load: many concurrent agent runs on ONE worker (a child process) with the scripted model,
 * on a dev server with SQLite persistence. Asserts that no record is lost or duplicated
 * (every effect on disk once, exactly one OK audit record per tool call, the chain intact)
 * and prints tool calls per second and the p50 / p99 latency of one tool call as the agent
 * loop sees it (from the model's reply with the call to the request carrying its result:
 * decide, execute, and the workflow tasks in between).
 *
 * Size: AOK_LOAD_RUNS × AOK_LOAD_CALLS (default 20 × 5, sized for CI; the 100 × 20 figure is
 * the `load` row of `npm run bench`, which runs this file at that size).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEffects } from './fault-effects';
import { finish, startFaultEnv, type FaultEnv } from './fault-env';
import { faultScript, startWorkerChild } from './fault-fixture';
import { quantile, timedScript } from './load-timer';

const RUNS = Number(process.env['AOK_LOAD_RUNS'] ?? 20);
const CALLS = Number(process.env['AOK_LOAD_CALLS'] ?? 5);

describe('load on one worker', () => {
  let env: FaultEnv;
  const timer = timedScript(faultScript(CALLS), CALLS);
  before(async () => {
    env = await startFaultEnv(CALLS, timer.script);
  });
  after(async () => {
    await env?.close();
  });

  test(
    `worker: ${RUNS} concurrent runs × ${CALLS} tool calls → no record lost or duplicated; throughput and latency printed`,
    { timeout: 20 * 60_000 },
    async (t) => {
      const s = env.scenario('load', 100);
      const child = await startWorkerChild(s.config);
      try {
        const started = performance.now();
        const runs = await env.startRuns(s, RUNS, {});
        const finished = await finish(runs);
        const seconds = (performance.now() - started) / 1000;
        const report = await checkEffects(s.workspace, s.logPath, finished, CALLS);
        assert.equal(report.auditRecords, RUNS * CALLS, 'exactly one audit record per tool call');
        assert.equal(report.rewrites, 0, 'no action executed twice');
        assert.equal(report.unknownAppends, 0, 'no action retried');
        assert.equal(timer.latencies.length, RUNS * CALLS, 'every tool call timed');
        const figures = {
          runs: RUNS,
          callsPerRun: CALLS,
          seconds: Math.round(seconds * 10) / 10,
          toolCallsPerSecond: Math.round(((RUNS * CALLS) / seconds) * 10) / 10,
          p50Ms: Math.round(quantile(timer.latencies, 0.5)),
          p99Ms: Math.round(quantile(timer.latencies, 0.99)),
        };
        t.diagnostic(`load: ${JSON.stringify(figures)}`);
        console.log(`load figures: ${JSON.stringify(figures)}`);
      } finally {
        await child.stop();
      }
    },
  );
});
