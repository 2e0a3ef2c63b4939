/**
 * An MCP stdio transport that runs a {@link LaunchSpec} exactly as given (no inherited
 * environment, unlike the SDK's `StdioClientTransport`, which always adds HOME, PATH, USER…),
 * in its own process group so shutdown reaches every process the server started. Framing
 * (newline-delimited JSON-RPC, a per-message size cap) is the SDK's own `ReadBuffer`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ReadBuffer } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { sdkStdio } from './sdk-lazy';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { LaunchSpec } from './launch';

/** Options of {@link SpawnTransport}. */
export interface SpawnTransportOptions {
  /** Largest single message accepted from the server, in bytes. */
  readonly maxMessageBytes: number;
  /** How long `close` waits for an exit after closing stdin, and again after SIGTERM. */
  readonly shutdownTimeoutMs: number;
}

/** A stdio transport over one spawned process group. */
export class SpawnTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | undefined;
  private readonly buffer: ReadBuffer;
  private exited: Promise<void> | undefined;

  constructor(private readonly spec: LaunchSpec, private readonly options: SpawnTransportOptions) {
    this.buffer = new (sdkStdio().ReadBuffer)({ maxBufferSize: options.maxMessageBytes });
  }

  /** The process id (also the process group id), once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child !== undefined) return Promise.reject(new Error('already started'));
    return new Promise((resolve, reject) => {
      const child = spawn(this.spec.command, [...this.spec.args], {
        env: { ...this.spec.env },
        cwd: this.spec.cwd,
        stdio: ['pipe', 'pipe', 'ignore'],
        detached: true,
        shell: false,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('spawn', () => resolve());
      child.once('close', () => {
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin?.on('error', (err) => this.onerror?.(err));
      child.stdout?.on('data', (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
          for (let m = this.buffer.readMessage(); m !== null; m = this.buffer.readMessage()) this.onmessage?.(m);
        } catch (err) {
          this.onerror?.(err as Error);
          void this.close();
        }
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (stdin == null || stdin.destroyed) return Promise.reject(new Error('not connected'));
    return new Promise((resolve) => {
      if (stdin.write(sdkStdio().serializeMessage(message))) resolve();
      else stdin.once('drain', () => resolve());
    });
  }

  /** Closes stdin, then SIGTERM, then SIGKILL to the whole process group, each after the shutdown timeout. */
  async close(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    this.buffer.clear();
    if (child === undefined || exited === undefined) return;
    child.stdin?.end();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (await within(exited, this.options.shutdownTimeoutMs)) return;
      killGroup(child, signal);
    }
    await within(exited, this.options.shutdownTimeoutMs);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function within(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
