/**
 * The saga of a run: a compensation is registered for each reversible action *before*
 * it is scheduled (its undo is a no-op if it never took effect), marked applied when it
 * succeeds, and undone newest first when the run fails, is cancelled or hits its
 * deadline — each undo its own activity with a summary such as `undo fs.write /workspace/out.md`.
 * A failing undo is recorded and the unwind goes on.
 */
import { CancellationScope, log, patched } from '@temporalio/workflow';
import { undoAction, undoActionPatiently } from './activities';
import { hostUnavailable } from './host';
import { Patch } from './patches';
import { CompensationState, type Compensation, type UndoResult } from './types';
import { summaryTarget } from './tool-defs';

const UNDONE_STATES: ReadonlySet<string> = new Set([CompensationState.Undone, CompensationState.Noop]);

/** The compensations of one run (carried across continue-as-new). */
export class Saga {
  private readonly busy = new Set<string>();

  /**
   * @param limits runs from 0.2.0 on: how long an undo on the workspace queue waits for a
   *   worker (then `Host.Unavailable`), and how long an undo is retried in all.
   */
  constructor(
    readonly entries: Compensation[],
    private readonly taskQueue: string | undefined,
    private readonly limits?: { readonly startTimeoutMs: number; readonly compensationTimeoutMs: number },
  ) {}

  /** Registers the undo of an action about to be scheduled. */
  register(idempotencyKey: string, action: string, target: string): Compensation {
    const entry: Compensation = { idempotencyKey, action, target, state: CompensationState.Registered };
    this.entries.push(entry);
    return entry;
  }

  /** Records the action's outcome: applied (with its record id), or nothing to undo. */
  settle(entry: Compensation, status: string, recordId: string | undefined): void {
    if (recordId !== undefined) entry.recordId = recordId;
    if (status === 'OK') entry.state = CompensationState.Applied;
    else if (status === 'DENIED') entry.state = CompensationState.Noop;
    // ERROR / UNKNOWN: stays registered; the undo decides by the actual state.
  }

  /** Entries that may still have something to undo, newest first. */
  undoable(): Compensation[] {
    return this.entries
      .filter((e) => e.state === CompensationState.Registered || e.state === CompensationState.Applied || e.state === CompensationState.Failed)
      .reverse();
  }

  /** Finds an entry by record id or idempotency key. */
  find(id: string): Compensation | undefined {
    return this.entries.find((e) => e.recordId === id || e.idempotencyKey === id);
  }

  /** Why `id` cannot be rolled back, or undefined when it can. */
  refuse(id: string): string | undefined {
    const entry = this.find(id);
    if (!entry) return `unknown record "${id}"; known: ${this.entries.map((e) => e.recordId ?? e.idempotencyKey).join(', ') || '(none)'}`;
    if (UNDONE_STATES.has(entry.state)) return `record "${id}" is already undone (${entry.state})`;
    if (this.busy.has(entry.idempotencyKey)) return `record "${id}" is being undone right now`;
    return undefined;
  }

  /** Undoes one entry through the undo activity; never throws. */
  async undo(entry: Compensation, force = false): Promise<UndoResult> {
    this.busy.add(entry.idempotencyKey);
    try {
      const limits = this.limits;
      const outcome = await (limits ? undoActionPatiently : undoAction).executeWithOptions(
        {
          summary: `undo ${entry.action} ${summaryTarget(entry.target)}`,
          ...(this.taskQueue ? { taskQueue: this.taskQueue } : {}),
          ...(limits ? { scheduleToCloseTimeout: limits.compensationTimeoutMs } : {}),
          ...(limits && this.taskQueue ? { scheduleToStartTimeout: limits.startTimeoutMs } : {}),
        },
        [{ idempotencyKey: entry.idempotencyKey, ...(force ? { force } : {}) }],
      );
      if (outcome.recordId !== undefined) entry.recordId = outcome.recordId;
      if (lostRecord(entry, outcome)) {
        entry.state = CompensationState.Failed;
        entry.reason = LOST_RECORD;
        return result(entry, 'ERROR', LOST_RECORD, outcome.code);
      }
      entry.state =
        outcome.status === 'OK'
          ? CompensationState.Undone
          : outcome.status === 'NOOP'
            ? CompensationState.Noop
            : outcome.status === 'CONFLICT'
              ? CompensationState.Conflict
              : CompensationState.Failed;
      if (outcome.reason !== undefined) entry.reason = outcome.reason;
      return result(entry, outcome.status, outcome.reason);
    } catch (err) {
      const host = this.limits && this.taskQueue ? hostUnavailable(err, this.taskQueue, this.limits.startTimeoutMs) : undefined;
      entry.state = CompensationState.Failed;
      entry.reason = host ? `${host.code}: ${host.reason}` : err instanceof Error ? describeFailure(err) : String(err);
      log.warn('undo failed; the unwind goes on', { idempotencyKey: entry.idempotencyKey, error: entry.reason });
      return result(entry, 'ERROR', entry.reason, host?.code);
    } finally {
      this.busy.delete(entry.idempotencyKey);
    }
  }

  /** Undoes every undoable entry newest first, in a scope that cancellation cannot interrupt. */
  compensateAll(): Promise<UndoResult[]> {
    return CancellationScope.nonCancellable(async () => {
      const results: UndoResult[] = [];
      for (const entry of this.undoable()) {
        if (this.busy.has(entry.idempotencyKey)) continue;
        results.push(await this.undo(entry));
      }
      return results;
    });
  }
}

const LOST_RECORD =
  'the action took effect, but its record is gone from the snapshot store (expired and swept, evicted by maxRecords, or removed): nothing was undone';

/**
 * True if the undo of an action that took effect (applied, or an earlier undo already found its
 * record gone) found no record of it (the undoer answers NOOP with `Reversible.UnknownRecord`):
 * that is a failure, not "nothing to undo" — also when the undo is asked again.
 * Runs from {@link Patch.LostRecordFails} on; asked only where it applies.
 */
function lostRecord(entry: Compensation, outcome: { readonly status: string; readonly code?: string }): boolean {
  const tookEffect = entry.state === CompensationState.Applied || (entry.state === CompensationState.Failed && entry.reason === LOST_RECORD);
  return tookEffect && outcome.status === 'NOOP' && outcome.code === 'Reversible.UnknownRecord' && patched(Patch.LostRecordFails);
}

/** An activity failure's message with its cause's (`Activity task failed: …` says little alone). */
export function describeFailure(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== err.message ? `${err.message}: ${cause.message}` : err.message;
}

function result(entry: Compensation, status: string, reason: string | undefined, code?: string): UndoResult {
  return {
    ...(code !== undefined ? { code } : {}),
    idempotencyKey: entry.idempotencyKey,
    action: entry.action,
    target: entry.target,
    status,
    ...(entry.recordId !== undefined ? { recordId: entry.recordId } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}
