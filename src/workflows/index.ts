/**
 * Every workflow the worker registers. This file is the entry point of the workflow
 * bundle: it and everything it imports run in Temporal's deterministic sandbox.
 */
export { agentRun } from './agent-run';
export { rollbackRun } from './rollback-run';
