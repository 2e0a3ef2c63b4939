/**
 * An MCP stdio transport that runs a {@link LaunchSpec} exactly as given (no inherited
 * environment, unlike the SDK's `StdioClientTransport`, which always adds HOME, PATH, USER…).
 * A spec with a sandbox view runs inside the process sandbox (`spawnSandboxed`), and shutdown
 * ends the whole sandbox (SIGTERM to the server's group, then SIGKILL to the sandbox's init:
 * every process in it dies); an unconfined spec (`sandbox: 'off'`) runs in its own process
 * group, which shutdown signals. Framing (newline-delimited JSON-RPC, a per-message size cap)
 * is the SDK's own `ReadBuffer`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { probeSandbox } from '../sandbox/probe';
import { spawnSandboxed, type SandboxedChild } from '../sandbox/spawn';
import type { ReadBuffer } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { sdkStdio } from './sdk-lazy';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpSandboxUnavailableError } from './errors';
import type { LaunchSpec } from './launch';
import type { EgressHook } from '../../kernel/types';
import { startEgressProxy, type EgressProxy, type EgressProxyOptions } from '../egress-proxy';
import { EgressUnavailableError } from '../errors';
import { systemResolver } from '../http-connect';
import { proxyEnv } from '../sandbox/forwarder';
import { SandboxNetwork } from '../sandbox/types';

/** Options of {@link SpawnTransport}. */
export interface SpawnTransportOptions {
  /** Largest single message accepted from the server, in bytes. */
  readonly maxMessageBytes: number;
  /** How long `close` waits for an exit after closing stdin, and again after SIGTERM. */
  readonly shutdownTimeoutMs: number;
  /** The server's name (for errors). */
  readonly server: string;
  /** bubblewrap for a sandboxed spec (default: found by the probe). */
  readonly bwrapPath?: string;
  /** The kernel's egress hook, for a spec with `network: 'proxy'` (without it such a server is not started). */
  readonly egress?: EgressHook;
  /** The egress proxy's settings (resolver, opted-in addresses, connect timeout). */
  readonly egressProxy?: EgressProxyOptions;
}

/** A stdio transport over one spawned process group. */
export class SpawnTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | undefined;
  private sandboxed: SandboxedChild | undefined;
  private readonly buffer: ReadBuffer;
  private exited: Promise<void> | undefined;
  private proxy: EgressProxy | undefined;

  constructor(
    private readonly spec: LaunchSpec,
    private readonly options: SpawnTransportOptions,
  ) {
    this.buffer = new (sdkStdio().ReadBuffer)({ maxBufferSize: options.maxMessageBytes });
  }

  /** The process id (bubblewrap's, or the unconfined server's; also its process group id), once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child !== undefined || this.proxy !== undefined) return Promise.reject(new Error('already started'));
    if (this.spec.sandbox?.network !== 'proxy') return this.spawnChild();
    const egress = this.options.egress;
    const what = `MCP server "${this.options.server}"`;
    if (egress === undefined)
      return Promise.reject(new EgressUnavailableError('no kernel egress hook decides its connections (use the provider through a Kernel)', what));
    return startEgressProxy(egress, this.options.egressProxy ?? { resolver: systemResolver, allowAddresses: [], connectTimeoutMs: 10_000 }).then(
      (proxy) => {
        this.proxy = proxy;
        return this.spawnChild().catch(async (err: unknown) => {
          await this.closeProxy();
          throw err;
        });
      },
      (err: unknown) => Promise.reject(new EgressUnavailableError(`the proxy could not start (${err instanceof Error ? err.name : typeof err})`, what)),
    );
  }

  private async closeProxy(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = undefined;
    await proxy?.close();
  }

  private spawnChild(): Promise<void> {
    let child: ChildProcess;
    const { spec } = this;
    if (spec.sandbox !== undefined) {
      const probe = probeSandbox(this.options.bwrapPath);
      if (probe.bwrap === undefined || probe.prlimit === undefined) {
        return Promise.reject(
          new McpSandboxUnavailableError(
            this.options.server,
            probe.problem ?? (probe.bwrap === undefined ? 'bwrap not found' : 'prlimit (util-linux) not found'),
          ),
        );
      }
      try {
        this.sandboxed = spawnSandboxed(
          {
            command: spec.command,
            args: spec.args,
            env: this.proxy === undefined ? spec.env : { ...spec.env, ...proxyEnv() },
            ...(this.proxy === undefined ? {} : { network: SandboxNetwork.Proxy, proxyDir: this.proxy.dir }),
            cwd: spec.cwd,
            mounts: spec.sandbox.mounts,
            ...(spec.sandbox.limits ? { limits: spec.sandbox.limits } : {}),
          },
          probe,
        );
      } catch (err) {
        return Promise.reject(err as Error);
      }
      this.sandboxed.stderr.resume(); // never read: bubblewrap's messages name host paths
      child = this.sandboxed.process;
    } else {
      child = spawn(spec.command, [...spec.args], { env: { ...spec.env }, cwd: spec.cwd, stdio: ['pipe', 'pipe', 'ignore'], detached: true, shell: false });
    }
    return new Promise((resolve, reject) => {
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('spawn', () => resolve());
      child.once('close', () => {
        this.child = undefined;
        void this.closeProxy();
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

  /**
   * Closes stdin, then SIGTERM, then SIGKILL, each after the shutdown timeout — sandboxed: to
   * the server's group and then the whole sandbox; unconfined: to the process group.
   */
  async close(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    const sandboxed = this.sandboxed;
    this.buffer.clear();
    if (child === undefined || exited === undefined) return this.closeProxy();
    child.stdin?.end();
    if (sandboxed !== undefined) {
      if (!(await within(exited, this.options.shutdownTimeoutMs))) await sandboxed.stop(this.options.shutdownTimeoutMs);
      else await sandboxed.stop(0); // already exiting: make sure nothing of the sandbox is left
      await within(exited, this.options.shutdownTimeoutMs);
      return this.closeProxy();
    }
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
