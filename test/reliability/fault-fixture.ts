/**
 * What the fault and load tests share: a policy, two tools with observable side effects, a
 * scripted model that gives every run its own sequence, and a launcher for the worker child.
 *
 * Side effects, chosen so that a double application shows ON DISK:
 * - `write_file` (fs.write, idempotent): call k of run R writes `output/R/k.txt` = `R:k`;
 * - `append_line` (proc.exec `tee -a ledger.txt`, at-most-once): appends the line `R:k` to a
 *   ledger shared by all runs — a second execution would leave the line twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Script, ScriptStep } from '../../src/dev/scripted-server';
import type { ToolDefSpec } from '../../src/workflows/tool-defs';
import { repoRoot } from '../helpers/paths';
import type { WorkerProcessConfig } from './worker-process';

/** The policy the workers run under. */
export const FAULT_POLICY = `version: 1
capabilities:
  - { id: write-output, action: fs.write, resource: "/workspace/output/**" }
  - { id: ledger, action: proc.exec, resource: tee, constraint: { args: ["-a", ledger.txt], cwd: /workspace/output, timeout_ms: 10000 } }
`;

/** The two tools. */
export const FAULT_TOOLS: ToolDefSpec[] = [
  {
    name: 'write_file',
    description: 'Write a file.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
    action: 'fs.write',
    targetFrom: 'path',
  },
  {
    name: 'append_line',
    description: 'Append a line to the ledger.',
    parameters: {
      type: 'object',
      properties: { program: { type: 'string' }, stdin: { type: 'string' } },
      required: ['program', 'stdin'],
      additionalProperties: false,
    },
    action: 'proc.exec',
    targetFrom: 'program',
    params: { args: ['-a', 'ledger.txt'], cwd: '/workspace/output' },
  },
];

/** The prompt of run `id` (the script keys on it). */
export const promptFor = (id: string): string => `run ${id}`;

/** Call `k` of run `id`: even k write a file, odd k append a ledger line. */
export function stepFor(id: string, k: number): ScriptStep {
  return k % 2 === 0
    ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${id}/${k}.txt`, content: `${id}:${k}` } }] } }
    : { reply: { toolCalls: [{ name: 'append_line', arguments: { program: 'tee', stdin: `${id}:${k}\n` } }] } };
}

/** A script for any number of runs with `calls` tool calls each, then the answer `done`. */
export function faultScript(calls: number): Script {
  return (request) => {
    const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const id = prompt.startsWith('run ') ? prompt.slice(4) : undefined;
    if (id === undefined) return undefined;
    const done = request.messages.filter((m) => m.role === 'tool').length;
    return done < calls ? stepFor(id, done) : { reply: { content: 'done' } };
  };
}

/** A running worker child. */
export interface WorkerChild {
  readonly pid: number;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts the worker child and resolves once it prints `ready`; `nodeArgs` go to node (e.g. `--cpu-prof`). */
export function startWorkerChild(config: WorkerProcessConfig, nodeArgs: readonly string[] = []): Promise<WorkerChild> {
  return startReadyChild(path.join(repoRoot, 'dist', 'test', 'reliability', 'worker-process.js'), config, nodeArgs);
}

/** Starts `node [nodeArgs] <script> '<config as JSON>'` and resolves once it prints `ready` (worker-process.ts's protocol). */
export function startReadyChild(script: string, config: unknown, nodeArgs: readonly string[] = []): Promise<WorkerChild> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve({ pid: child.pid as number, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`worker child exited (${code}) before it was ready: ${stderr}`)));
  });
}
