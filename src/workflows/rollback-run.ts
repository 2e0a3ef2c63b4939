/**
 * `rollbackRun`: undo of a finished run's reversible actions, newest first, each through
 * the undo activity (authorised by the original decisions, audited, idempotent: undoing
 * twice changes nothing — the second time every undo reports NOOP).
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { invalidInput } from './input-check';
import { Patch } from './patches';
import { Saga } from './saga';
import { checkShape, type Shape } from './shape';
import type { RollbackResult, RollbackRunInput, UndoResult } from './types';

const positive = (what: string): Shape => ({ kind: 'integer', min: 1, expect: `a positive integer (${what})` });

/** The wire shape of `RollbackRunInput` (checked by runs from 0.2.0 on). */
export const ROLLBACK_RUN_INPUT_SHAPE: Shape = {
  kind: 'object',
  expect: 'an object { workflowId, runId?, compensations, recordIds?, force?, workspaceQueue?, workspaceStartTimeoutMs?, compensationTimeoutMs? }',
  fields: {
    workflowId: { required: true, shape: { kind: 'string', nonEmpty: true, expect: 'the id of the finished run' } },
    runId: { shape: { kind: 'string', expect: 'its run id' } },
    compensations: {
      required: true,
      shape: { kind: 'array', items: { kind: 'record', expect: "a compensation from the run's result or state query" }, expect: "the run's compensations" },
    },
    recordIds: {
      shape: { kind: 'array', items: { kind: 'string', nonEmpty: true, expect: 'a record id or idempotency key' }, expect: 'an array of record ids' },
    },
    force: { shape: { kind: 'boolean', expect: 'true to overwrite targets changed since' } },
    workspaceQueue: { shape: { kind: 'string', nonEmpty: true, expect: 'a task queue name' } },
    workspaceStartTimeoutMs: { shape: positive('milliseconds') },
    compensationTimeoutMs: { shape: positive('milliseconds') },
  },
};

/** Undoes the given compensations of a finished run. */
export async function rollbackRun(input: RollbackRunInput): Promise<RollbackResult> {
  const current = patched(Patch.DeadHostsAndCompensation);
  if (current) {
    const problems = checkShape(input, ROLLBACK_RUN_INPUT_SHAPE, '');
    if (problems.length > 0) throw invalidInput(problems, 'rollbackRun');
  } else if (!Array.isArray(input?.compensations)) {
    throw ApplicationFailure.create({ type: 'Run.InvalidInput', message: 'rollbackRun needs { workflowId, compensations }', nonRetryable: true });
  }
  const saga = new Saga(
    input.compensations.map((c) => ({ ...c })),
    input.workspaceQueue,
    current
      ? { startTimeoutMs: input.workspaceStartTimeoutMs ?? 60_000, compensationTimeoutMs: input.compensationTimeoutMs ?? 24 * 60 * 60 * 1000 }
      : undefined,
  );
  const wanted = input.recordIds ? new Set(input.recordIds) : undefined;
  const undone: UndoResult[] = [];
  for (const entry of [...saga.entries].reverse()) {
    if (wanted && !wanted.has(entry.recordId ?? '') && !wanted.has(entry.idempotencyKey)) continue;
    if (entry.state === 'undone' || entry.state === 'noop') {
      undone.push({
        idempotencyKey: entry.idempotencyKey,
        action: entry.action,
        target: entry.target,
        status: 'NOOP',
        reason: `already ${entry.state}`,
        ...(entry.recordId ? { recordId: entry.recordId } : {}),
      });
      continue;
    }
    undone.push(await saga.undo(entry, input.force ?? false));
  }
  return { undone };
}
