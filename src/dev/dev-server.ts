/**
 * A Temporal dev server (`temporal server start-dev`) on free loopback ports, for the
 * tests, the CLI and the demo. Started in its own process group and guarded by a
 * watchdog process, so it never outlives its parent — even when the parent is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '../worker/search-attributes';
import { DevServerStartError } from './errors';
import { freePorts } from './free-port';
import { findTemporalCli } from './temporal-cli';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** SQLite file for persistence (created if missing); in-memory when absent. */
  readonly dbFile?: string;
  /** Start the Web UI (default false: tests run headless). */
  readonly ui?: boolean;
  /** Namespace to create and use (default `default`). */
  readonly namespace?: string;
  /** Custom search attributes to register. */
  readonly searchAttributes?: Readonly<Record<string, SearchAttributeType>>;
  /** Fixed gRPC port (default: a free one). */
  readonly port?: number;
  /** Fixed UI port (default: a free one). */
  readonly uiPort?: number;
  /** Path of the `temporal` binary (default: {@link findTemporalCli}). */
  readonly cliPath?: string;
  /** How long to wait for the server to answer (default 120 s: slow, loaded 2-core machines exist). */
  readonly startTimeoutMs?: number;
  /** The Web UI's codec endpoint (`--ui-codec-endpoint`), e.g. an `agent-os codec-server` URL. */
  readonly uiCodecEndpoint?: string;
  /** Server log level (default `error`). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * SQLite pragmas of the file persistence (`--sqlite-pragma NAME=VALUE`; the server accepts
   * `journal_mode` and `synchronous`), e.g. `{ journal_mode: 'wal', synchronous: 'normal' }`.
   * Default: none (the server's own: every commit synced). See docs/performance.md.
   */
  readonly sqlitePragmas?: Readonly<Record<string, string>>;
}

/** A running dev server. */
export interface DevServer {
  /** gRPC address, `127.0.0.1:<port>`. */
  readonly address: string;
  readonly namespace: string;
  /** Web UI base URL when started with `ui: true`. */
  readonly uiUrl?: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL) and its watchdog; idempotent. */
  stop(): Promise<void>;
}

const OUTPUT_TAIL = 40;

/**
 * Starts `temporal server start-dev` and resolves once its frontend answers. The server also
 * gets a namespace of its own, `agent-os-probe-<random hex>`, which the readiness check asks for:
 * a server of another process that took the same free port never passes for this one.
 * @throws DevServerStartError when the process exits early or does not answer in time
 *   (the message carries the tail of its output); TemporalCliNotFoundError when no CLI exists.
 * @example
 * const server = await startDevServer({ ui: true });
 * console.log(server.address, server.uiUrl);
 * await server.stop();
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const given = [options.port, options.uiPort].filter((p): p is number => p !== undefined);
  let last: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      last = err;
      if (!takenMeanwhile(err instanceof DevServerStartError ? err.output : '', given)) throw err;
    }
  }
  throw last;
}

/**
 * True when the server could not bind a port this module picked (free when picked, taken by
 * another process before the server bound it): a new start picks new ones. A port the caller
 * gave (`given`) that is taken is not retried; nor is an output that names no port.
 */
export function takenMeanwhile(output: string, given: readonly number[]): boolean {
  if (!/address already in use/i.test(output)) return false;
  const ports = [...output.matchAll(/:(\d+): bind: address already in use/gi)].map((m) => Number(m[1]));
  return ports.length > 0 ? ports.every((p) => !given.includes(p)) : given.length === 0;
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const cli = options.cliPath ?? findTemporalCli();
  const namespace = options.namespace ?? 'default';
  const [grpcPort, uiPort, httpPort, metricsPort] = await freePorts(4);
  const port = options.port ?? grpcPort!;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)];
  args.push('--http-port', String(httpPort), '--metrics-port', String(metricsPort));
  args.push('--log-level', options.logLevel ?? 'error');
  if (options.ui) args.push('--ui-port', String(options.uiPort ?? uiPort));
  else args.push('--headless');
  if (options.ui && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const [name, value] of Object.entries(options.sqlitePragmas ?? {})) args.push('--sqlite-pragma', `${name}=${value}`);
  if (namespace !== 'default') args.push('--namespace', namespace);
  // Only this process's server has this namespace: readiness is asked of it, so a foreign server
  // that took the same free port first (see freePort) never passes for ours.
  const probe = `agent-os-probe-${randomBytes(6).toString('hex')}`;
  args.push('--namespace', probe);
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }

  const child = spawn(cli, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > OUTPUT_TAIL) lines.splice(0, lines.length - OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) throw new DevServerStartError(`could not start ${cli}`, '');
  const watchdog = startWatchdog(pid);

  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new DevServerStartError(`temporal server exited during start (code ${code}, signal ${signal})`, lines.join('\n'))),
    );
  });
  exited.catch(() => undefined);
  const address = `127.0.0.1:${port}`;
  try {
    await Promise.race([waitUntilReady(address, [probe, namespace], options.startTimeoutMs ?? 120_000, () => lines.join('\n')), exited]);
  } catch (err) {
    await stopProcess(child, watchdog);
    throw err;
  }
  child.stdout?.removeListener('data', keep);
  child.stderr?.removeListener('data', keep);
  child.stdout?.resume();
  child.stderr?.resume();
  // The server must never keep the parent's event loop alive by itself.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  let stopped: Promise<void> | undefined;
  return {
    address,
    namespace,
    ...(options.ui ? { uiUrl: `http://127.0.0.1:${options.uiPort ?? uiPort}` } : {}),
    pid,
    stop: () => (stopped ??= stopProcess(child, watchdog)),
  };
}

function startWatchdog(pgid: number): ChildProcess {
  const script = path.join(__dirname, 'watchdog.js');
  const watchdog = spawn(process.execPath, [script, String(pgid)], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

/** Ready once every namespace in `namespaces` answers (the first one proves the server is ours). */
async function waitUntilReady(address: string, namespaces: readonly string[], timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      for (const namespace of namespaces) await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new DevServerStartError(`temporal server at ${address} did not answer within ${timeoutMs} ms`, output(), { cause: lastError });
}

async function stopProcess(child: ChildProcess, watchdog: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
    child.ref();
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 10_000);
    await done;
    clearTimeout(timer);
  }
  watchdog.stdin?.end();
  watchdog.kill('SIGKILL');
}
