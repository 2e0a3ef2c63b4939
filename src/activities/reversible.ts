/**
 * Connects the reversible layer to the activities: the layer executes (snapshot first)
 * and undoes by idempotency key, the record id being `recordIdFor(idempotencyKey)`.
 */
import type { ReversibleActionLayer } from '../reversible/layer';
import { recordIdFor } from '../reversible/record-id';
import type { Undoer, UndoOutcome } from './undo';

/**
 * An {@link Undoer} over a reversible layer.
 * @param actions the actions the layer's strategies cover (default fs.write and fs.delete).
 * @example
 * createActivities({ kernel, chat, model, executor: layer, undoer: layerUndoer(layer) })
 */
export function layerUndoer(layer: ReversibleActionLayer, actions: readonly string[] = ['fs.write', 'fs.delete']): Undoer {
  return {
    actions,
    async undo(idempotencyKey, options): Promise<UndoOutcome> {
      const recordId = recordIdFor(idempotencyKey);
      const result = await layer.rollback(recordId, { idempotencyKey, ...(options.force === undefined ? {} : { force: options.force }) });
      if (result.status === 'ERROR' && result.code === 'Reversible.UnknownRecord') {
        // The action never reached the layer (cancelled before it ran): nothing to undo — or its
        // record is gone (swept, evicted, deleted): the code lets the saga tell an applied one.
        return { status: 'NOOP', recordId, code: result.code, reason: 'the action never took effect' };
      }
      return {
        status: result.status,
        recordId,
        ...((result.error ?? result.reason) !== undefined ? { reason: result.error ?? result.reason } : {}),
        ...(result.code !== undefined ? { code: result.code } : {}),
        ...(result.auditRecordId !== undefined ? { auditRecordId: result.auditRecordId } : {}),
      };
    },
  };
}
