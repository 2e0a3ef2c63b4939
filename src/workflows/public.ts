/**
 * `agent-os-kernel/workflows`: the agent workflows, their updates and queries, and their
 * input and result types. Sandbox-safe: re-export the workflows from your own workflows
 * file to register them in your worker next to your own, and start them by reference.
 * @example
 * // your-workflows.ts (the worker's workflowsPath)
 * export { agentRun, rollbackRun } from 'agent-os-kernel/workflows';
 * export { myWorkflow } from './my-workflow';
 * // your client
 * await client.workflow.start(agentRun, { taskQueue: 'agent-os', workflowId: 'report-1', args: [{ prompt: 'Summarise /workspace/data.csv' }] });
 */
export { agentRun, RunFailure } from './agent-run';
export { rollbackRun } from './rollback-run';
export { stateQuery, approveUpdate, rollbackUpdate } from './messages';
export { BudgetFailure } from './budgets';
export { CompensationState } from './types';
export type {
  AgentRunInput,
  AgentRunResult,
  AgentRunState,
  ActionSummary,
  ApprovalDecision,
  Budgets,
  Compensation,
  PendingApproval,
  RollbackRequest,
  RollbackResult,
  RollbackRunInput,
  UndoResult,
  Usage,
} from './types';
export { ToolDef, type ToolDefSpec } from './tool-defs';
