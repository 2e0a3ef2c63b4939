/**
 * One deadline per submit: an AbortSignal handed to the provider that fires on the
 * kernel's timeout or on the caller's own signal, and a race that stops waiting for a
 * provider when it fires (the outcome of such a call is unknown, and reported so).
 *
 * Cost: a submit's deadline takes no timer of its own. Deadlines of one duration expire
 * in the order they were created, so they wait in one queue per duration behind one
 * timer (expiry-queue.ts); the AbortController is created only when someone reads
 * `signal` (providers that never look at it never pay for it).
 */
import { KernelAbortedError, KernelTimeoutError } from './errors';
import { type Expiry, expireAfter } from './expiry-queue';

/** A running deadline; call {@link Deadline.dispose} when the submit is over. */
export class Deadline {
  private controller: AbortController | undefined;
  /** Rejections of the races still waiting (created on the first race). */
  private waiting: Set<(err: Error) => void> | undefined;
  private readonly expiry: Expiry | undefined;
  private failure: Error | undefined;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly action: string,
    readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    if (Number.isFinite(timeoutMs)) {
      this.expiry = expireAfter(timeoutMs, () => this.fire(new KernelTimeoutError(action, timeoutMs)));
    }
    if (callerSignal !== undefined) {
      const onCallerAbort = (): void => this.fire(new KernelAbortedError(this.action));
      this.onCallerAbort = onCallerAbort;
      if (callerSignal.aborted) onCallerAbort();
      else callerSignal.addEventListener('abort', onCallerAbort, { once: true });
    }
  }

  /** Fires on timeout or caller abort; pass it to providers. Created on first use (the deny path never needs one). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.failure !== undefined) this.controller.abort(this.failure);
    }
    return this.controller.signal;
  }

  /**
   * Resolves like `work`, unless the deadline fires first.
   * @throws KernelTimeoutError / KernelAbortedError (rejects) when it fires first.
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.failure !== undefined) {
      work.catch(() => undefined);
      return Promise.reject(this.failure);
    }
    const waiting = (this.waiting ??= new Set());
    return new Promise<T>((resolve, reject) => {
      waiting.add(reject);
      work.then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          waiting.delete(reject);
          reject(err);
        },
      );
    });
  }

  /** The timeout or abort once it fired (`undefined` before). */
  get fired(): Error | undefined {
    return this.failure;
  }

  /** Fires now with `failure` (the freeze stopping the action), unless it fired already. */
  stop(failure: Error): void {
    this.fire(failure);
  }

  /** Stops the timer and detaches from the caller's signal. */
  dispose(): void {
    this.expiry?.cancel();
    if (this.onCallerAbort !== undefined) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private fire(failure: Error): void {
    if (this.failure !== undefined) return;
    this.failure = failure;
    this.expiry?.cancel();
    this.controller?.abort(failure);
    const waiting = this.waiting;
    if (waiting === undefined) return;
    for (const reject of waiting) reject(failure);
    waiting.clear();
  }
}
