/**
 * The run state of history-aware policy rules (`max_calls`, `requires`, `created_by_run`)
 * at the end of a recorded run, for `policy explain --history`: the state the run carried
 * in (after a continue-as-new) with every step's recorded effects folded in, in order —
 * exactly what the workflow itself held. Pure.
 */
import { readRunHistory } from '../../kernel/run-history';
import { applyHistoryEffects, type HistoryEffects, type RunHistory } from '../../workflows/run-history-state';
import { ClientCode } from '../errors';
import type { RecordedRun } from './recorded-actions';

/** The recorded run state and where it came from. */
export interface RecordedRunState {
  readonly workflowId: string;
  readonly runId: string;
  readonly state: RunHistory;
  /** YAML text of the run's own policy (layer 1 at run time), when it had one. */
  readonly runPolicy?: string;
  /** Actions recorded in the run (the last of a continue-as-new chain). */
  readonly actions: number;
}

/**
 * The state at the end of the last of `runs` (give every run of a chain, or one history file).
 * @throws Error with code `Client.ReplayBadHistory` when there is no run or its carried state is malformed.
 */
export function recordedRunState(runs: readonly RecordedRun[]): RecordedRunState {
  const run = runs[runs.length - 1];
  if (run === undefined) throw Object.assign(new Error('the history holds no run'), { code: ClientCode.ReplayBadHistory });
  const carried = run.carriedHistory === undefined ? {} : readRunHistory(run.carriedHistory);
  if (typeof carried === 'string') {
    throw Object.assign(new Error(`the run state carried into ${run.workflowId} is malformed: ${carried}`), { code: ClientCode.ReplayBadHistory });
  }
  let state: RunHistory = carried;
  for (const a of run.actions) state = applyHistoryEffects(state, a.outcome?.history as HistoryEffects | undefined);
  const runPolicy = run.runPolicy ?? run.actions.find((a) => a.runPolicy !== undefined)?.runPolicy;
  return { workflowId: run.workflowId, runId: run.runId, state, actions: run.actions.length, ...(runPolicy !== undefined ? { runPolicy } : {}) };
}
