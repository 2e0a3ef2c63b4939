/**
 * `rollbackRun`: undo of a finished run's reversible actions, newest first, each through
 * the undo activity (authorised by the original decisions, audited, idempotent: undoing
 * twice changes nothing — the second time every undo reports NOOP).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { Saga } from './saga';
import type { RollbackResult, RollbackRunInput, UndoResult } from './types';

/** Undoes the given compensations of a finished run. */
export async function rollbackRun(input: RollbackRunInput): Promise<RollbackResult> {
  if (!Array.isArray(input?.compensations)) {
    throw ApplicationFailure.create({ type: 'Run.InvalidInput', message: 'rollbackRun needs { workflowId, compensations }', nonRetryable: true });
  }
  const saga = new Saga(input.compensations.map((c) => ({ ...c })), input.workspaceQueue);
  const wanted = input.recordIds ? new Set(input.recordIds) : undefined;
  const undone: UndoResult[] = [];
  for (const entry of [...saga.entries].reverse()) {
    if (wanted && !wanted.has(entry.recordId ?? '') && !wanted.has(entry.idempotencyKey)) continue;
    if (entry.state === 'undone' || entry.state === 'noop') {
      undone.push({ idempotencyKey: entry.idempotencyKey, action: entry.action, target: entry.target, status: 'NOOP', reason: `already ${entry.state}`, ...(entry.recordId ? { recordId: entry.recordId } : {}) });
      continue;
    }
    undone.push(await saga.undo(entry, input.force ?? false));
  }
  return { undone };
}
