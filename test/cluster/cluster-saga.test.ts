/**
 * The production topology with the durable parts of a run: approvals that wait across a
 * server crash, compensations after a failing model, and continue-as-new — 20 concurrent runs
 * on two workers with their own workspaces. Checked on disk, in each run's result and in the
 * audit logs. Run with `npm run test:cluster`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Script } from '../../src/dev/scripted-server';
import { verifyAuditLog } from '../../src/kernel/audit-verify';
import { agentRun } from '../../src/workflows/agent-run';
import { approveUpdate, stateQuery } from '../../src/workflows/messages';
import { waitFor } from '../helpers/poll';
import { uniqueId } from '../helpers/temporal';
import { cluster, killServer, startClusterEnv, type ClusterEnv, type WorkspaceWorker } from './cluster-env';

const POLICY = `version: 1
capabilities:
  - { id: write-output, action: fs.write, resource: "/workspace/output/**" }
ask:
  - { id: ask-deploy, action: fs.write, resource: "/workspace/deploy/**" }
`;
const LONG_WRITES = 6;

/** `ask X`: one write that needs approval; `fail X`: a write, then the model fails; `long X`: six writes across continue-as-new. */
const script: Script = (request) => {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const [kind, id] = prompt.split(' ');
  const done = request.messages.filter((m) => m.role === 'tool').length;
  const write = (p: string) => ({ reply: { toolCalls: [{ name: 'write_file', arguments: { path: p, content: `${id}` } }] } });
  if (kind === 'ask') return done === 0 ? write(`/workspace/deploy/${id}.conf`) : { reply: { content: 'done' } };
  if (kind === 'fail') return done === 0 ? write(`/workspace/output/${id}.txt`) : { error: { status: 400, message: 'scripted model failure' } };
  if (kind === 'long') return done < LONG_WRITES ? write(`/workspace/output/${id}/${done}.txt`) : { reply: { content: 'done' } };
  return undefined;
};

describe('the production topology: approvals, compensation and continue-as-new', () => {
  let env: ClusterEnv;
  before(async () => {
    env = await startClusterEnv(script, uniqueId('cluster-saga'), POLICY);
  });
  after(async () => {
    await env?.close();
  });

  test(
    'cluster: 20 runs — approvals answered after a server SIGKILL, failed runs compensated, long runs continued as new → every effect as intended on its own host',
    { timeout: 15 * 60_000 },
    async () => {
      const a = env.worker('a');
      const b = env.worker('b');
      await Promise.all([a.start(), b.start()]);
      const start = (w: WorkspaceWorker, kind: string, i: number) => {
        const id = `${kind}${w.name}${i}`;
        return env.client.workflow
          .start(agentRun, {
            taskQueue: env.mainQueue,
            workflowId: uniqueId(`cluster-${id}`),
            args: [{ prompt: `${kind} ${id}`, maxTurns: 50, workspaceQueue: w.workspaceQueue, ...(kind === 'long' ? { continueAsNewAfterEvents: 40 } : {}) }],
          })
          .then((handle) => ({ id, kind, w, handle }));
      };
      const plan: Array<[string, number]> = [
        ['ask', 3],
        ['fail', 3],
        ['long', 4],
      ];
      const runs = await Promise.all([a, b].flatMap((w) => plan.flatMap(([kind, n]) => Array.from({ length: n }, (_, i) => start(w, kind, i)))));

      // Every approval is pending, then the server dies hard and comes back: the waits are durable.
      const asks = runs.filter((r) => r.kind === 'ask');
      for (const r of asks)
        await waitFor(async () => (await r.handle.query(stateQuery)).pendingApprovals.length === 1, `${r.id} waiting for approval`, 120_000);
      await killServer('SIGKILL');
      cluster('up');
      for (const r of asks) await r.handle.executeUpdate(approveUpdate, { args: [{ requestId: 'approval-1', allow: true, approver: 'ops' }] });

      for (const r of runs) {
        const ws = r.w.workspace;
        if (r.kind === 'fail') {
          await assert.rejects(r.handle.result(), `${r.id} fails`);
          assert.equal(fs.existsSync(path.join(ws, 'output', `${r.id}.txt`)), false, `${r.id}: the write was undone by compensation`);
          continue;
        }
        const result = await r.handle.result();
        assert.equal(result.output, 'done', r.id);
        if (r.kind === 'ask') {
          assert.deepEqual(
            result.actions.map((x) => [x.status, x.approver]),
            [['OK', 'ops']],
            r.id,
          );
          assert.equal(fs.readFileSync(path.join(ws, 'deploy', `${r.id}.conf`), 'utf8'), r.id);
        } else {
          assert.equal(result.actions.length, LONG_WRITES, `${r.id}: actions carried across continue-as-new`);
          for (let k = 0; k < LONG_WRITES; k++) assert.equal(fs.readFileSync(path.join(ws, 'output', r.id, `${k}.txt`), 'utf8'), r.id);
          const first = await env.client.workflow.getHandle(r.handle.workflowId, r.handle.firstExecutionRunId).describe();
          assert.equal(first.status.name, 'CONTINUED_AS_NEW', `${r.id} continued as new`);
        }
      }
      for (const w of [a, b]) {
        // Only this host's runs left files here: deploy/ holds its approved writes, output/ its long runs.
        const mine = runs.filter((r) => r.w === w);
        assert.deepEqual(
          fs.readdirSync(path.join(w.workspace, 'deploy')).sort(),
          mine
            .filter((r) => r.kind === 'ask')
            .map((r) => `${r.id}.conf`)
            .sort(),
        );
        assert.deepEqual(
          fs.readdirSync(path.join(w.workspace, 'output')).sort(),
          mine
            .filter((r) => r.kind === 'long')
            .map((r) => r.id)
            .sort(),
        );
        const verified = await verifyAuditLog(w.logPath);
        assert.equal(verified.ok, true, JSON.stringify(verified.problems.slice(0, 3)));
      }
    },
  );
});
