/**
 * One deadline per submit: an AbortSignal handed to the provider that fires on the
 * kernel's timeout or on the caller's own signal, and a race that stops waiting for a
 * provider when it fires (the outcome of such a call is unknown, and reported so).
 */
import { KernelAbortedError, KernelTimeoutError } from './errors';

/** A running deadline; call {@link Deadline.dispose} when the submit is over. */
export class Deadline {
  private controller: AbortController | undefined;
  private readonly waiting = new Set<(err: Error) => void>();
  private readonly timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private readonly onCallerAbort = (): void => this.fire(new KernelAbortedError(this.action));

  constructor(
    private readonly action: string,
    readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    if (Number.isFinite(timeoutMs)) {
      this.timer = setTimeout(() => this.fire(new KernelTimeoutError(action, timeoutMs)), timeoutMs);
    }
    if (callerSignal?.aborted === true) this.onCallerAbort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
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
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      work.then(
        (value) => {
          this.waiting.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          this.waiting.delete(reject);
          reject(err);
        },
      );
    });
  }

  /** Stops the timer and detaches from the caller's signal. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private fire(failure: Error): void {
    if (this.failure !== undefined) return;
    this.failure = failure;
    this.controller?.abort(failure);
    for (const reject of this.waiting) reject(failure);
    this.waiting.clear();
  }
}
