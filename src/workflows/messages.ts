/** Queries and updates of the agent workflows (definitions only; handlers live with the workflow). */
import { defineQuery } from '@temporalio/workflow';
import type { AgentRunState } from './types';

/** The run's current state: turn, actions so far, transcript length. */
export const stateQuery = defineQuery<AgentRunState>('state');
