/**
 * Queries and updates of the agent workflows. Definitions only (pure): client code
 * imports these to talk to runs; handlers live with the workflows.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AgentRunState, ApprovalDecision, RollbackRequest, RollbackResult } from './types';

/** The run's current state: turn, actions, pending approvals, compensations, usage. */
export const stateQuery = defineQuery<AgentRunState>('state');

/** Undo one record (`{ recordId }`) or everything (`{ all: true }`) of a running run. */
export const rollbackUpdate = defineUpdate<RollbackResult, [RollbackRequest]>('rollback');

/** Answer a pending `ask`: `{ requestId, allow, reason?, approver? }`. */
export const approveUpdate = defineUpdate<{ readonly requestId: string; readonly allow: boolean }, [ApprovalDecision]>('approve');
