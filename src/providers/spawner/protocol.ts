/**
 * The messages between the worker and its spawner (see client.ts) over Node's IPC channel, a
 * socket pair only the two processes hold. Errors cross as plain data and are rebuilt with
 * their types: `Provider.Aborted`, `Provider.SandboxFailed`, and system errors (EACCES,
 * ENOENT, …) with their `code`, `errno`, `syscall`, `path` and `spawnargs`.
 */
import { ProviderAbortedError, SandboxFailedError } from '../errors';
import type { ProcessOutcome, ProcessSpec } from '../process-tree';
import type { SandboxInfo } from '../sandbox/lifecycle';

/** A run as it crosses to the spawner: everything but the signal (an abort is a message). */
export type WireSpec = Omit<ProcessSpec, 'signal' | 'observe'>;

/** Worker → spawner. */
export type ToSpawner = { readonly type: 'run'; readonly id: number; readonly spec: WireSpec } | { readonly type: 'abort'; readonly id: number };

/** An error as data. */
export type WireError =
  | { readonly kind: 'aborted' }
  | { readonly kind: 'sandbox-failed'; readonly detail: string }
  | {
      readonly kind: 'error';
      readonly name: string;
      readonly message: string;
      readonly code?: string;
      readonly errno?: number;
      readonly syscall?: string;
      readonly path?: string;
      readonly spawnargs?: readonly string[];
    };

/** Spawner → worker. */
export type FromSpawner =
  | { readonly type: 'started'; readonly id: number; readonly pid: number }
  | { readonly type: 'sandbox'; readonly id: number; readonly info: SandboxInfo }
  | { readonly type: 'done'; readonly id: number; readonly outcome: ProcessOutcome }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly type: 'warning'; readonly message: string; readonly code: string };

/** An error thrown by `runProcessTree`, as data. */
export function toWireError(err: unknown): WireError {
  if (err instanceof ProviderAbortedError) return { kind: 'aborted' };
  if (err instanceof SandboxFailedError) return { kind: 'sandbox-failed', detail: err.detail };
  const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
  const spawnargs: unknown = (e as { spawnargs?: unknown }).spawnargs;
  return {
    kind: 'error',
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.errno === 'number' ? { errno: e.errno } : {}),
    ...(typeof e.syscall === 'string' ? { syscall: e.syscall } : {}),
    ...(typeof e.path === 'string' ? { path: e.path } : {}),
    ...(Array.isArray(spawnargs) ? { spawnargs: spawnargs.map(String) } : {}),
  };
}

/** The error `runProcessTree` threw, rebuilt in the worker; an abort's cause is the worker's signal reason. */
export function fromWireError(wire: WireError, signal: AbortSignal | undefined): Error {
  if (wire.kind === 'aborted') return new ProviderAbortedError('proc.exec', { cause: signal?.reason });
  if (wire.kind === 'sandbox-failed') return new SandboxFailedError(wire.detail);
  const err: NodeJS.ErrnoException & { spawnargs?: string[] } = new Error(wire.message);
  if (wire.name !== 'Error') err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  if (wire.errno !== undefined) err.errno = wire.errno;
  if (wire.syscall !== undefined) err.syscall = wire.syscall;
  if (wire.path !== undefined) err.path = wire.path;
  if (wire.spawnargs !== undefined) err.spawnargs = [...wire.spawnargs];
  return err;
}
