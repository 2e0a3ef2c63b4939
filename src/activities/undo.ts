/**
 * The undo activity: compensation of one reversible action, by its idempotency key,
 * through the reversible layer (which authorises it by the original decision and audits it).
 */
import { whileHeartbeating } from './heartbeat';
import { ActivityCode } from './error-codes';

/** Outcome of one undo: the layer's status (OK, NOOP, CONFLICT, ERROR). */
export interface UndoOutcome {
  readonly status: string;
  readonly recordId?: string;
  readonly reason?: string;
  readonly code?: string;
  /** The kernel audit record (hash) of the undo, when it ran through the kernel. */
  readonly auditRecordId?: string;
}

/** What the activities need from a reversible layer. */
export interface Undoer {
  /** Actions whose effects this undoer can reverse (e.g. `fs.write`, `fs.delete`). */
  readonly actions: readonly string[];
  /** Undoes the action applied with this idempotency key; NOOP when nothing is left to undo. */
  undo(idempotencyKey: string, options: { readonly force?: boolean }): Promise<UndoOutcome>;
}

/** Input of the undo activity. */
export interface UndoInput {
  readonly idempotencyKey: string;
  readonly force?: boolean;
}

/** Builds the undo activity. Without an undoer every undo is an ERROR saying so. */
export function createUndoActivities(undoer: Undoer | undefined) {
  return {
    async undoAction(input: UndoInput): Promise<UndoOutcome> {
      if (undoer === undefined) {
        return { status: 'ERROR', code: ActivityCode.NotConfigured, reason: 'this worker has no reversible layer' };
      }
      return whileHeartbeating(() => undoer.undo(input.idempotencyKey, input.force === undefined ? {} : { force: input.force }));
    },
  };
}
