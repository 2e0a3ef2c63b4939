/**
 * The write a `beforeExecute` hook may hand back for the action to wait on (`BeforeEffect`,
 * types.ts): read from the hook's answer once, defensively, and turned into the promise the
 * provider (or the kernel, for a provider that does not await it itself) waits for.
 */
import { types } from 'node:util';
import { HookFailedError } from './errors';

/**
 * The promise to await before the action's effect, from a hook's answer: `undefined` when the
 * hook returned nothing to wait for. It rejects with the hook's failure (a typed error as
 * thrown, `Kernel.HookFailed` otherwise) and never goes unhandled if nobody awaits it.
 * @throws HookFailedError when the answer's `beforeEffect` is unreadable or not a promise.
 */
export function readBeforeEffect(answer: unknown, isTyped: (err: unknown) => boolean): Promise<void> | undefined {
  if (answer === undefined || answer === null || typeof answer !== 'object') return undefined;
  let pending: unknown;
  try {
    if (types.isProxy(answer)) throw new Error('a Proxy');
    pending = (answer as { beforeEffect?: unknown }).beforeEffect;
  } catch (cause) {
    throw new HookFailedError('its answer could not be read', { cause });
  }
  if (pending === undefined) return undefined;
  if (!types.isPromise(pending)) throw new HookFailedError('its answer has a beforeEffect that is not a promise');
  const failed = (error: unknown): Error =>
    isTyped(error) ? (error as Error) : new HookFailedError(error instanceof Error ? error.name : typeof error, { cause: error });
  // Its real state, never a `then` it carries (an own property or a subclass's may claim it settled).
  const gate = new Promise<void>((resolve, reject) => {
    try {
      Promise.prototype.then.call(
        pending,
        () => resolve(),
        (error: unknown) => reject(failed(error)),
      );
    } catch (cause) {
      reject(new HookFailedError('its beforeEffect could not be awaited', { cause }));
    }
  });
  gate.catch(() => undefined); // a provider that failed before waiting for it leaves it to the hook's owner
  return gate;
}
