/** Errors of the client side: connecting to Temporal, loading tools files. */
import { AgentOsError } from '../errors';
import { formatProblem, type PolicyProblem } from '../policy/problem';
import type { ActionSummary, Compensation } from '../workflows/types';

/** Codes of the client side's failures (`Client.*`). */
export const ClientCode = {
  TemporalUnreachable: 'Client.TemporalUnreachable',
  InvalidToolsFile: 'Client.InvalidToolsFile',
  RunFailed: 'Client.RunFailed',
  /** `new AgentLoop` was given an option it does not know (a typo), or options of no form. */
  InvalidOptions: 'Client.InvalidOptions',
  /** `policy replay`: no run matches the workflow id or query. */
  ReplayNotFound: 'Replay.NotFound',
  /** `policy replay`: a history file cannot be read or parsed. */
  ReplayBadHistory: 'Replay.BadHistory',
} as const;
export type ClientCode = (typeof ClientCode)[keyof typeof ClientCode];

/** An option of `new AgentLoop` that is unknown (a typo) or of the wrong type; nothing was built. */
export class AgentLoopOptionsError extends AgentOsError {
  readonly code = ClientCode.InvalidOptions;
  constructor(
    readonly option: string,
    readonly problem: string,
  ) {
    super(`invalid AgentLoop option "${option}": ${problem}`);
  }
}

/** A Temporal server could not be reached at an address. */
export class TemporalUnreachableError extends AgentOsError {
  readonly code = ClientCode.TemporalUnreachable;
  constructor(
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(`Temporal server not reachable at ${address} — start one with \`agent-os dev\` or set TEMPORAL_ADDRESS`, options);
  }
}

/** A `--tools` file has problems (every one listed, with positions and hints), so nothing was loaded. */
export class ToolsFileError extends AgentOsError {
  readonly code = ClientCode.InvalidToolsFile;
  constructor(
    readonly file: string,
    readonly problems: readonly PolicyProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      `${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}; no tools were loaded\n${problems.map(formatProblem).join('\n')}`,
      options,
    );
  }
}

/** What an {@link AgentRunFailedError} knows about the failed run's steps. */
export interface FailedRunState {
  /** Every action the run took before it failed, in order (empty when the run could not be asked). */
  readonly actions: readonly ActionSummary[];
  /** Compensations left (undone ones are gone when the saga ran). */
  readonly compensations: readonly Compensation[];
}

/**
 * An agent run ended in failure. The message is the run's own failure (e.g.
 * `Budget.MaxTurns: …`), not just "Workflow execution failed"; the Temporal error is the `cause`.
 */
export class AgentRunFailedError extends AgentOsError {
  readonly code = ClientCode.RunFailed;
  /** The run's failure type, e.g. `Budget.MaxTurns`, `Model.Failed`, `Run.InvalidInput` (undefined when it has none). */
  readonly failureType: string | undefined;
  readonly actions: readonly ActionSummary[];
  readonly compensations: readonly Compensation[];
  constructor(
    readonly workflowId: string,
    failure: { readonly type?: string | undefined; readonly message: string },
    state: FailedRunState,
    options?: { cause?: unknown },
  ) {
    super(`agent run ${workflowId} failed: ${failure.type ? `${failure.type}: ` : ''}${failure.message}`, options);
    this.failureType = failure.type;
    this.actions = state.actions;
    this.compensations = state.compensations;
  }
}
