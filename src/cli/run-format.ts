/**
 * How `run` and `status` print a run's story: a step, a refused tool call, a waiting approval.
 */
import type { RunStep } from '../client/run-progress';
import type { ActionSummary, PendingApproval } from '../workflows/types';
import { printable } from './printable';

/** `  read_file → fs.read /workspace/data.csv → OK`, as `run` and `status` print a step. */
export function formatStep(step: RunStep): string {
  // A refusal's summary already says the outcome (`tool.unknown tool:x → ERROR (Tool.UnknownTool)`).
  // Summaries and details quote the agent's targets and tool names: escaped (printable.ts).
  if (step.refusal === true) return `  ${printable(`${step.summary}${step.detail ? `: ${step.detail}` : ''}`)}\n`;
  return `  ${printable(`${step.summary} → ${step.status}${step.detail ? ` (${step.detail})` : ''}`)}\n`;
}

/** A tool call the workflow refused before any activity ran. */
export function formatInvalidCall(action: ActionSummary): string {
  return `  ${printable(`tool ${action.tool} → INVALID (${action.reason ?? 'refused'})`)}\n`;
}

/** The lines printed when an approval starts waiting. */
export function formatApprovalPending(workflowId: string, p: PendingApproval): string {
  return (
    `  ${printable(`waiting for approval: ${p.action} ${p.target}${p.ruleId ? ` (rule ${p.ruleId})` : ''} — ${p.reason}`)}\n` +
    (p.params === undefined ? '' : `    ${printable(`params: ${p.params}`)}\n`) +
    `    ${printable(`agent-os approve -w ${workflowId} ${p.requestId} --allow    (or --deny --reason "…")`)}\n`
  );
}
