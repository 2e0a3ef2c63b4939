/**
 * The environment of the fault and load tests: their own dev server on a SQLite file (so it
 * can be restarted), a client, the workflow bundle on disk for worker children, the scripted
 * model, and a fresh workspace + policy + audit log per scenario.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/worker/search-attributes';
import { ScriptedModelServer, type Script } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import { uniqueId, workflowBundle } from '../helpers/temporal';
import { FAULT_POLICY, FAULT_TOOLS, faultScript, promptFor } from './fault-fixture';
import type { FinishedRun } from './fault-effects';
import type { WorkerProcessConfig } from './worker-process';

/** A scenario's files. */
export interface Scenario {
  readonly workspace: string;
  readonly logPath: string;
  readonly taskQueue: string;
  readonly config: WorkerProcessConfig;
}

/** The shared environment. */
export interface FaultEnv {
  /** The server: a dev server of its own, or an external one (`address` option of {@link startFaultEnv}). */
  server: Pick<DevServer, 'address' | 'stop'> & { readonly pid?: number };
  readonly dbFile: string;
  readonly client: Client;
  readonly model: ScriptedModelServer;
  scenario(name: string, maxConcurrent?: number): Scenario;
  /**
   * Starts `count` runs on the scenario's queue; returns their ids and handles. The fault
   * scenarios use a 2 s workflow-task timeout (a task lost with a killed worker is retried
   * sooner); `workflowTaskTimeout: undefined` keeps the server's default (10 s) for load.
   */
  startRuns(s: Scenario, count: number, options?: { workflowTaskTimeout?: string }): Promise<Array<{ id: string; handle: WorkflowHandle<typeof agentRun> }>>;
  /** Restarts the dev server on the same SQLite file and port. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

/** Number of audit records (lines) in a log; 0 when it does not exist yet. */
export function auditLines(logPath: string): number {
  try {
    const text = fs.readFileSync(logPath, 'utf8');
    return text === '' ? 0 : text.split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** Polls `condition` until it holds or `limitMs` passes; resolves whether it held (the tests' one polling helper). */
export { pollUntil as waitFor } from '../helpers/poll';

/** Awaits every run and returns what the effect checks need. */
export async function finish(runs: Array<{ id: string; handle: WorkflowHandle<typeof agentRun> }>): Promise<FinishedRun[]> {
  return Promise.all(runs.map(async ({ id, handle }) => ({ id, ...(await handle.result()) })));
}

/**
 * Starts the environment; `calls` is the number of tool calls of every run (`script` replaces
 * the default {@link faultScript}). With `address`, it uses that server (e.g. the cluster,
 * with the search attributes registered) instead of starting a dev server, and
 * `restartServer` is unavailable; `sqlitePragmas` go to the dev server it starts.
 */
export async function startFaultEnv(
  calls: number,
  script: Script = faultScript(calls),
  options: { readonly address?: string; readonly sqlitePragmas?: Readonly<Record<string, string>> } = {},
): Promise<FaultEnv> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-faults-')));
  const dbFile = path.join(root, 'temporal.db');
  const server: FaultEnv['server'] =
    options.address !== undefined
      ? { address: options.address, stop: async () => undefined }
      : await startDevServer({
          dbFile,
          searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
          ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
        });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, (await workflowBundle()).code);
  const model = await ScriptedModelServer.start(script);
  const env: FaultEnv = {
    server,
    dbFile,
    client,
    model,
    scenario(name, maxConcurrent) {
      const dir = path.join(root, name);
      const workspace = path.join(dir, 'ws');
      fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
      const policyFile = path.join(dir, 'policy.yaml');
      fs.writeFileSync(policyFile, FAULT_POLICY);
      const logPath = path.join(dir, 'kernel.log');
      const taskQueue = uniqueId(name);
      const config: WorkerProcessConfig = {
        address: env.server.address,
        taskQueue,
        workspace,
        policyFile,
        logPath,
        modelBaseURL: model.baseURL,
        bundlePath,
        ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
      };
      return { workspace, logPath, taskQueue, config };
    },
    async startRuns(s, count, options = { workflowTaskTimeout: '2s' }) {
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const id = `${s.taskQueue.slice(-8)}-${i}`;
          const handle = await client.workflow.start(agentRun, {
            taskQueue: s.taskQueue,
            workflowId: uniqueId(`run-${i}`),
            ...(options.workflowTaskTimeout !== undefined ? { workflowTaskTimeout: options.workflowTaskTimeout } : {}),
            args: [{ prompt: promptFor(id), tools: FAULT_TOOLS, maxTurns: 100 }],
          });
          return { id, handle };
        }),
      );
    },
    async restartServer() {
      if (options.address !== undefined) throw new Error('restartServer: the environment uses an external server');
      const port = Number(env.server.address.split(':')[1]);
      await env.server.stop();
      env.server = await startDevServer({
        dbFile,
        port,
        searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
        ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
      });
    },
    async close() {
      await model.close();
      await connection.close();
      await env.server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return env;
}
