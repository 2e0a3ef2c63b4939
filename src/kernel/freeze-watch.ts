/**
 * The freeze (emergency stop) also stops what is already running: while actions are in
 * flight, the freeze check is asked every {@link FREEZE_POLL_MS}; once it reports a freeze,
 * every running action's deadline fires with `Kernel.Frozen`, so its provider is signalled
 * (a program is killed, a request aborted) and the submit answers at once, its outcome
 * unknown. No timer runs while nothing is in flight; undo is never stopped (it stays
 * possible while frozen).
 */
import type { Deadline } from './deadline';
import { KernelFrozenError } from './errors';
import type { FreezeCheck } from './policy-gate';

/** How often a running action's freeze is looked for, in ms. */
export const FREEZE_POLL_MS = 250;

/** Watches running actions for a freeze (one per kernel with a freeze check). */
export class FreezeWatch {
  private readonly running = new Map<Deadline, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly check: FreezeCheck) {}

  /** Watches `deadline` (of an action named `action`) until the returned function is called. */
  watch(deadline: Deadline, action: string): () => void {
    this.running.set(deadline, action);
    this.timer ??= setInterval(() => this.poll(), FREEZE_POLL_MS).unref();
    return () => {
      this.running.delete(deadline);
      if (this.running.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private poll(): void {
    let reason: string | undefined;
    try {
      reason = this.check()?.reason;
    } catch {
      reason = 'the freeze check failed'; // a check that cannot tell freezes (fail closed)
    }
    if (reason === undefined) return;
    for (const [deadline, action] of this.running) deadline.stop(new KernelFrozenError(action, reason));
  }
}
