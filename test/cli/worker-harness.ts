/**
 * Runs the real `agent-os` CLI (compiled) against the test's Temporal server: a worker
 * process with a scripted model, and one-shot commands. Not a test file itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScriptedModelServer, type ReceivedRequest, type ScriptStep } from '../../src/dev/scripted-server';
import { repoRoot } from '../helpers/paths';
import { tempFolder } from '../helpers/temp-dir';
import { temporal } from '../helpers/temporal';

/** The compiled CLI entry point. */
export const CLI = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** Output of a one-shot command. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `agent-os ...args` to completion (asynchronously, so the test's worker keeps polling). */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `agent-os ...args` synchronously (for commands that need no live worker). */
export function cliSync(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const out = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** A running `agent-os worker` process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly readyFile: string;
  readonly output: () => string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `agent-os worker ...args` and resolves once it prints that it polls (its ready
 * signal), or rejects with its output when it exits first.
 */
export async function startWorkerProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { readonly readyFile?: string } = {},
): Promise<WorkerProcess> {
  // The worker removes the ready file on exit (tests assert it); its folder goes with this test process.
  const readyFile = options.readyFile ?? path.join(tempFolder('agent-os-ready-'), 'ready');
  const child = spawn(process.execPath, [CLI, 'worker', ...args, '--ready-file', readyFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('agent-os worker: polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`worker exited (${code}) before polling:\n${output}`)));
  });
  return {
    child,
    readyFile,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The environment a CLI command or worker needs to reach the test's dev server and a scripted model. */
export async function scriptedEnv(model: { readonly baseURL: string }, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    TEMPORAL_ADDRESS: (await temporal()).address,
    TEMPORAL_NAMESPACE: 'default',
    OPENAI_BASE_URL: model.baseURL,
    OPENAI_API_KEY: 'test',
    AGENT_OS_MODEL: 'scripted',
    ...extra,
  };
}

/** `--log` and `--snapshots` in `root` (a worker's state, away from ~/.agent-os). */
export function workerStateArgs(root: string): string[] {
  return ['--log', path.join(root, 'kernel.log'), '--snapshots', path.join(root, 'snapshots')];
}

/** A scripted model and an `agent-os worker` on `taskQueue` with `policy`, the example tools and `/workspace` mounted from `<root>/ws` (data.csv and output/ made). */
export interface AgentWorker {
  readonly model: ScriptedModelServer;
  readonly worker: WorkerProcess;
  /** The environment the worker got, for CLI commands against it. */
  readonly env: NodeJS.ProcessEnv;
}

/** Starts {@link AgentWorker}: the set-up the CLI's run tests share. `extraEnv` goes to the worker (and the returned env). */
export async function startAgentWorker(
  root: string,
  taskQueue: string,
  policy: string,
  script: (request: ReceivedRequest) => ScriptStep,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<AgentWorker> {
  const workspace = path.join(root, 'ws');
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'data.csv'), 'a,b\n1,2\n');
  fs.writeFileSync(path.join(root, 'policy.yaml'), policy);
  const model = await ScriptedModelServer.start(script);
  const env = await scriptedEnv(model, extraEnv);
  const tools = path.join(repoRoot, 'examples', 'tools.yaml');
  const worker = await startWorkerProcess(
    ['--policy', path.join(root, 'policy.yaml'), '--tools', tools, '--mount', `/workspace=${workspace}`, '--task-queue', taskQueue, ...workerStateArgs(root)],
    env,
  );
  return { model, worker, env };
}
