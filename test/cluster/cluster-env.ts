/**
 * The cluster tier's environment: the production topology from `npm run cluster` (Temporal
 * server on PostgreSQL), real `agent-os worker` processes, each with its own workspace and
 * workspace-bound task queue plus a shared main queue, and the scripted model.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ScriptedModelServer, type Script } from '../../src/dev/scripted-server';
import { FAULT_POLICY, FAULT_TOOLS } from '../reliability/fault-fixture';
import { repoRoot } from '../helpers/paths';

const clusterScript = path.join(repoRoot, 'scripts', 'cluster.js');
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** What `npm run cluster -- status --json` reports. */
export interface ClusterStatus {
  readonly running: boolean;
  readonly address: string;
  readonly namespace: string;
  readonly pids: { readonly server: number | null; readonly postgres: number | null; readonly ui: number | null };
}

/** Runs the cluster script (`up` is idempotent: it restarts whatever is down). */
export function cluster(command: 'up' | 'status'): ClusterStatus {
  const out = execFileSync(process.execPath, [clusterScript, command, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ClusterStatus;
}

/** Stops the Temporal server process with `signal` and waits until it is gone. */
export async function killServer(signal: NodeJS.Signals): Promise<void> {
  const pid = cluster('status').pids.server;
  if (pid === null) throw new Error('the cluster server is not running');
  process.kill(pid, signal);
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One `agent-os worker` process bound to a workspace. */
export interface WorkspaceWorker {
  readonly name: string;
  readonly workspace: string;
  readonly logPath: string;
  readonly workspaceQueue: string;
  start(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** The environment shared by the cluster tests. */
export interface ClusterEnv {
  readonly address: string;
  readonly client: Client;
  readonly mainQueue: string;
  readonly model: ScriptedModelServer;
  worker(name: string): WorkspaceWorker;
  close(): Promise<void>;
}

/** Brings the cluster up and prepares files; workers are started by the tests. */
export async function startClusterEnv(script: Script, mainQueue: string, policy: string = FAULT_POLICY): Promise<ClusterEnv> {
  const status = cluster('up');
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-cluster-')));
  const policyFile = path.join(root, 'policy.yaml');
  fs.writeFileSync(policyFile, policy);
  const toolsFile = path.join(root, 'tools.json');
  // The tools file's wire shape (snake_case `target_from`, under `tools:`).
  const wire = FAULT_TOOLS.map(({ targetFrom, ...rest }) => ({ ...rest, target_from: targetFrom }));
  fs.writeFileSync(toolsFile, JSON.stringify({ tools: wire }));
  const connection = await Connection.connect({ address: status.address });
  const client = new Client({ connection, namespace: status.namespace });
  const model = await ScriptedModelServer.start(script);
  const workers: WorkspaceWorker[] = [];
  const env: ClusterEnv = {
    address: status.address,
    client,
    mainQueue,
    model,
    worker(name) {
      const dir = path.join(root, name);
      const workspace = path.join(dir, 'ws');
      fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
      const readyFile = path.join(dir, 'ready');
      const logPath = path.join(dir, 'kernel.log');
      const workspaceQueue = `${mainQueue}-${name}`;
      let child: ChildProcess | undefined;
      let exited: Promise<void> = Promise.resolve();
      const end = async (signal: NodeJS.Signals): Promise<void> => {
        if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      };
      const w: WorkspaceWorker = {
        name,
        workspace,
        logPath,
        workspaceQueue,
        async start() {
          fs.rmSync(readyFile, { force: true });
          const args = [
            cli,
            'worker',
            '--policy',
            policyFile,
            '--tools',
            toolsFile,
            '--mount',
            `/workspace=${workspace}`,
            '--task-queue',
            mainQueue,
            '--workspace-queue',
            workspaceQueue,
            '--log',
            logPath,
            '--snapshots',
            path.join(dir, 'snapshots'),
            '--ready-file',
            readyFile,
            '--address',
            status.address,
          ];
          let stderr = '';
          child = spawn(process.execPath, args, {
            stdio: ['ignore', 'ignore', 'pipe'],
            env: { ...process.env, OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'test', AGENT_OS_MODEL: 'scripted' },
          });
          child.stderr?.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-4000)));
          const started = child;
          exited = new Promise((resolve) => started.once('exit', () => resolve()));
          await new Promise<void>((resolve, reject) => {
            const onExit = (code: number | null): void => reject(new Error(`worker ${name} exited (${code}) before it was ready: ${stderr}`));
            started.once('exit', onExit);
            const poll = setInterval(() => {
              if (!fs.existsSync(readyFile)) return;
              clearInterval(poll);
              started.removeListener('exit', onExit);
              resolve();
            }, 50);
          });
        },
        kill: () => end('SIGKILL'),
        stop: () => end('SIGTERM'),
      };
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await model.close();
      await connection.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return env;
}
