/**
 * How `run` and `status` print a run's story: a step, a refused tool call, a waiting approval.
 */
import type { RunStep } from '../client/run-progress';
import type { ActionSummary, PendingApproval } from '../workflows/types';

/** `  read_file → fs.read /workspace/data.csv → OK`, as `run` and `status` print a step. */
export function formatStep(step: RunStep): string {
  // A refusal's summary already says the outcome (`tool.unknown tool:x → ERROR (Tool.UnknownTool)`).
  if (step.refusal === true) return `  ${step.summary}${step.detail ? `: ${step.detail}` : ''}\n`;
  return `  ${step.summary} → ${step.status}${step.detail ? ` (${step.detail})` : ''}\n`;
}

/** A tool call the workflow refused before any activity ran. */
export function formatInvalidCall(action: ActionSummary): string {
  return `  tool ${action.tool} → INVALID (${action.reason ?? 'refused'})\n`;
}

/** The lines printed when an approval starts waiting. */
export function formatApprovalPending(workflowId: string, p: PendingApproval): string {
  return (
    `  waiting for approval: ${p.action} ${p.target}${p.ruleId ? ` (rule ${p.ruleId})` : ''} — ${p.reason}\n` +
    `    agent-os approve -w ${workflowId} ${p.requestId} --allow    (or --deny --reason "…")\n`
  );
}
