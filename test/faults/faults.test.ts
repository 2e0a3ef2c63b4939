/**
 * Faults on a real dev server with SQLite persistence: a worker SIGKILLed mid-run ten times,
 * the dev server restarted mid-run, and an execution path that fails transiently. Every
 * scenario checks the side effects on disk (fault-effects.ts), not only the logs.
 *
 * Timing note: an activity that was running when its worker died is retried only after its
 * start-to-close timeout (2 minutes for executeAction, set by the workflow), so the kill
 * scenario takes about three minutes; the kills are bunched so those waits overlap.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index';
import { Kernel } from '../../src/kernel/kernel';
import type { ActionRequest } from '../../src/kernel/types';
import { createChat } from '../../src/model/chat';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { ProcessProvider } from '../../src/providers/process';
import { maxAttempt } from '../helpers/history';
import { workflowBundle } from '../helpers/temporal';
import { checkEffects } from '../reliability/fault-effects';
import { auditLines, finish, startFaultEnv, waitFor, type FaultEnv } from '../reliability/fault-env';
import { startWorkerChild } from '../reliability/fault-fixture';

const CALLS = 10;

describe('faults on a real dev server (SQLite)', () => {
  let env: FaultEnv;
  before(async () => {
    env = await startFaultEnv(CALLS);
  });
  after(async () => {
    await env?.close();
  });

  test(
    'worker: SIGKILLed mid-run 10 times and restarted → every run completes, no effect lost or applied twice, audit verifies',
    { timeout: 15 * 60_000 },
    async (t) => {
      const s = env.scenario('kill9');
      // Many runs, so that after a kill strands some runs' activities (until their timeout),
      // the others keep working and the next kill again lands in the middle of real work.
      const runs = await env.startRuns(s, 20);
      let kills = 0;
      let afterEffect = 0;
      for (; kills < 10; kills++) {
        const child = await startWorkerChild(s.config);
        const seen = auditLines(s.logPath);
        // Kill right after the child applied something (the effect is done, its completion
        // not yet reported), or after 3 s if every run is waiting on a timeout.
        if (await waitFor(() => auditLines(s.logPath) > seen, 3_000)) afterEffect++;
        await child.kill();
      }
      const final = await startWorkerChild(s.config);
      try {
        const report = await checkEffects(s.workspace, s.logPath, await finish(runs), CALLS);
        t.diagnostic(`kills: ${kills} (${afterEffect} right after an effect); ${JSON.stringify(report)}`);
        assert.equal(kills, 10);
        assert.ok(afterEffect >= 5, `only ${afterEffect} of 10 kills landed right after an effect`);
      } finally {
        await final.stop();
      }
    },
  );

  test('dev server: restarted on its SQLite file mid-run → runs resume and complete, effects exactly once', { timeout: 10 * 60_000 }, async (t) => {
    const s = env.scenario('restart');
    const child = await startWorkerChild(s.config);
    try {
      const runs = await env.startRuns(s, 3);
      assert.ok(await waitFor(() => auditLines(s.logPath) >= 6, 60_000), 'the runs made no progress before the restart');
      await env.restartServer();
      const report = await checkEffects(s.workspace, s.logPath, await finish(runs), CALLS);
      t.diagnostic(JSON.stringify(report));
    } finally {
      await child.stop();
    }
  });

  test(
    'execution: fails transiently before or after the effect → Temporal retries: writes land exactly once, appends never run twice (UNKNOWN instead)',
    { timeout: 10 * 60_000 },
    async (t) => {
      const s = env.scenario('transient');
      const mounts = { '/workspace': s.workspace };
      const kernel = new Kernel({
        policy: s.config.policyFile,
        logPath: s.logPath,
        providers: [new FilesystemProvider({ mounts }), new ProcessProvider({ mounts })],
      });
      const attempts = new Map<string, number>();
      // Runs ending in -0 lose the connection BEFORE the action; the others AFTER it (a lost acknowledgement).
      const flaky = {
        async submit(request: ActionRequest, options: { idempotencyKey: string }) {
          const n = (attempts.get(options.idempotencyKey) ?? 0) + 1;
          attempts.set(options.idempotencyKey, n);
          const before = runOf(request).endsWith('-0');
          if (n === 1 && before) throw new Error('transient: connection reset before the action');
          const result = await kernel.submit(request, options);
          if (n === 1 && !before) throw new Error('transient: acknowledgement lost after the action');
          return result;
        },
      };
      const connection = await NativeConnection.connect({ address: env.server.address });
      const worker = await Worker.create({
        connection,
        taskQueue: s.taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createActivities({
          kernel,
          executor: flaky,
          chat: createChat({ baseURL: env.model.baseURL, apiKey: 'test', model: 'scripted' }),
          model: 'scripted',
        }),
      });
      try {
        await worker.runUntil(async () => {
          const runs = await env.startRuns(s, 2);
          const finished = await finish(runs);
          const report = await checkEffects(s.workspace, s.logPath, finished, CALLS);
          t.diagnostic(JSON.stringify(report));
          assert.ok(maxAttempt(await runs[0]!.handle.fetchHistory(), 'executeAction') >= 2, 'executeAction was retried');
          // Failed before the effect: writes applied once by the retry; an at-most-once append is
          // never retried (the activity cannot know the first attempt did not run it): UNKNOWN, no line.
          assert.deepEqual(
            finished[0]!.actions.map((a) => a.status),
            Array.from({ length: CALLS }, (_, k) => (k % 2 === 0 ? 'OK' : 'UNKNOWN')),
          );
          // Failed after the effect: writes were re-applied (same content); appends were not run again.
          assert.equal(report.unknownAppends, CALLS);
          assert.equal(report.unknownApplied, CALLS / 2);
          assert.equal(report.rewrites, CALLS / 2);
        });
      } finally {
        await kernel.close();
        await connection.close();
      }
    },
  );
});

function runOf(request: ActionRequest): string {
  const stdin = request.params?.['stdin'];
  return typeof stdin === 'string' ? (stdin.split(':')[0] ?? '') : (request.target.split('/')[3] ?? '');
}
