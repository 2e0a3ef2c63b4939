/**
 * The production topology, tested: a Temporal server on PostgreSQL (`npm run cluster`), two
 * `agent-os worker` processes on two workspaces (workspace-bound task queues) sharing a main
 * queue, 20 concurrent runs, and faults in the middle of them — a worker killed with
 * SIGKILL, the server stopped with SIGTERM and later SIGKILL and started again. Every effect
 * is checked on disk and in each worker's audit log: nothing lost, nothing applied twice,
 * nothing on the wrong host.
 *
 * Run with `npm run test:cluster` (brings the cluster up, runs this tier, stops it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { agentRun } from '../../src/workflows/agent-run';
import { uniqueId } from '../helpers/temporal';
import { checkEffects } from '../reliability/fault-effects';
import { auditLines, waitFor } from '../reliability/fault-env';
import { faultScript, promptFor } from '../reliability/fault-fixture';
import { cluster, killServer, startClusterEnv, type ClusterEnv, type WorkspaceWorker } from './cluster-env';

const CALLS = 6;
const RUNS_PER_WORKSPACE = 10;

describe('the production topology (Temporal server on PostgreSQL)', () => {
  let env: ClusterEnv;
  before(async () => {
    env = await startClusterEnv(faultScript(CALLS), uniqueId('cluster'));
  });
  after(async () => {
    await env?.close();
  });

  test(
    'cluster: 2 workers × 2 workspaces, 20 runs; a worker SIGKILLed, the server SIGTERMed and SIGKILLed mid-run → every run completes on its own host, effects exactly once, audit logs verify',
    { timeout: 15 * 60_000 },
    async (t) => {
      const a = env.worker('a');
      const b = env.worker('b');
      await Promise.all([a.start(), b.start()]);
      const start = (w: WorkspaceWorker, i: number) => {
        const id = `${w.name}${i}`;
        return env.client.workflow
          .start(agentRun, {
            taskQueue: env.mainQueue,
            workflowId: uniqueId(`cluster-${id}`),
            args: [{ prompt: promptFor(id), maxTurns: 100, workspaceQueue: w.workspaceQueue }],
          })
          .then((handle) => ({ id, handle }));
      };
      const runs = await Promise.all([a, b].flatMap((w) => Array.from({ length: RUNS_PER_WORKSPACE }, (_, i) => start(w, i))));
      const progress = (n: number) => waitFor(() => auditLines(a.logPath) + auditLines(b.logPath) >= n, 120_000);

      assert.ok(await progress(10), 'no progress before the first fault');
      await a.kill();
      await a.start();
      assert.ok(await progress(40), 'no progress after the worker was killed');
      await killServer('SIGTERM');
      cluster('up');
      assert.ok(await progress(70), 'no progress after the server was stopped');
      await killServer('SIGKILL');
      cluster('up');

      const finished = await Promise.all(runs.map(async ({ id, handle }) => ({ id, ...(await handle.result()) })));
      for (const w of [a, b]) {
        const mine = finished.filter((r) => r.id.startsWith(w.name));
        const report = await checkEffects(w.workspace, w.logPath, mine, CALLS);
        t.diagnostic(`${w.name}: ${JSON.stringify(report)}`);
        // Each workspace holds only its own runs' files: fs/proc actions ran on the bound host.
        const dirs = fs.readdirSync(path.join(w.workspace, 'output')).filter((d) => d !== 'ledger.txt');
        assert.deepEqual(dirs.sort(), mine.map((r) => r.id).sort(), `${w.name}: files of another host's runs`);
      }
    },
  );
});
