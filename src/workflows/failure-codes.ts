/**
 * Failure types of the agent workflows (`Run.*`, `Budget.*`) as pure constants, for code
 * outside the sandbox that checks a run's failure type without loading workflow code. The
 * workflows' own `RunFailure` and `BudgetFailure` use the same strings (a test keeps them in step).
 */

/** A run that cannot start or go on. */
export const RunCode = {
  InvalidInput: 'Run.InvalidInput',
  InvalidPolicy: 'Run.InvalidPolicy',
  /** An undo finally failed (or found its target changed): the run fails with the list. */
  CompensationFailed: 'Run.CompensationFailed',
  /** No worker of the run's workspace queue picked a step up in time. */
  HostUnavailable: 'Host.Unavailable',
  /**
   * A tool call the run never ran because the run stopped first (a budget, a cancellation, its
   * deadline, a failure) at an earlier call of the same model turn, or while deciding this one:
   * its record (`DENIED`) says so; nothing was decided or run.
   */
  Stopped: 'Run.Stopped',
} as const;
export type RunCode = (typeof RunCode)[keyof typeof RunCode];

/** A run that hit one of its budgets. */
export const BudgetCode = {
  MaxTurns: 'Budget.MaxTurns',
  MaxToolCalls: 'Budget.MaxToolCalls',
  MaxModelTokens: 'Budget.MaxModelTokens',
  MaxBytesWritten: 'Budget.MaxBytesWritten',
  Deadline: 'Budget.Deadline',
} as const;
export type BudgetCode = (typeof BudgetCode)[keyof typeof BudgetCode];

/** Tool calls the workflow refuses before any activity (tool-defs.ts). */
export const ToolCode = {
  UnknownTool: 'Tool.UnknownTool',
  InvalidDefinition: 'Tool.InvalidDefinition',
} as const;
export type ToolCode = (typeof ToolCode)[keyof typeof ToolCode];
