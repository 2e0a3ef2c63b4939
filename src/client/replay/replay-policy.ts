/**
 * `replayPolicy`: re-decides every request recorded in runs' histories under a candidate
 * worker policy, with each run's own narrowing policy layered under it exactly as at run
 * time, and reports what would change. Every request is evaluated again (no echo of the
 * recorded decisions); the recorded canonical target is used, because the file system or
 * DNS may have changed since. Honest about what it cannot know: an action that was denied
 * never ran, so if the new policy allows it, its outcome is unknown.
 *
 * History-aware rules (`max_calls`, `requires`, `created_by_run`) are judged against a run
 * state rebuilt in the recorded order under the NEW policy, across the runs of a
 * continue-as-new chain (runs of one workflow id, oldest first): an action the new policy
 * lets through counts under the new policy's rules (an `ask` only if a person approved it at
 * run time), and a target counts as created only if the recorded step created it.
 */
import {
  HistoryLookup,
  compilePolicy,
  evaluateLayered,
  historyEffects,
  loadPolicyText,
  type CanonicalRequest,
  type CompiledPolicy,
  type PolicyDocument,
} from '../../policy/index';
import { applyHistoryEffects, type RunHistory } from '../../workflows/run-history-state';
import { refHash } from '../../activities/run-policy-ref';
import { ClientCode } from '../errors';
import type { RecordedAction, RecordedRun } from './recorded-actions';

/** How a decision changes. */
export const ChangeKind = { NewlyDenied: 'newly-denied', NewlyAllowed: 'newly-allowed', NewlyAsking: 'newly-asking', Unchanged: 'unchanged' } as const;
/** One of {@link ChangeKind}'s values. */
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

/** One re-decided action. */
export interface ReplayedAction {
  readonly workflowId: string;
  readonly runId: string;
  readonly seq: number;
  readonly action: string;
  readonly target: string;
  readonly before: { readonly effect: string; readonly ruleId?: string };
  readonly after: { readonly effect: string; readonly ruleId?: string; readonly reason: string };
  readonly change: ChangeKind;
  /** Set when the action never ran (denied before) and would now run: its outcome is unknown. */
  readonly note?: string;
}

/** The result of a replay. */
export interface ReplayReport {
  readonly runs: number;
  readonly actions: number;
  readonly changes: readonly ReplayedAction[];
  readonly counts: Readonly<Record<ChangeKind, number>>;
  /** Changed decisions per rule id of the new decision (`(default deny)` when none). */
  readonly byRule: Readonly<Record<string, number>>;
  /** Runs whose recorded ceiling hash differs from `ceiling`'s (only when a ceiling is given). */
  readonly ceilingMismatches: readonly string[];
  /** Recorded decisions whose request is not in history. */
  readonly notReplayable: number;
  /**
   * Runs that continued from a run not among those replayed: their history-aware rules were
   * judged from an empty run state (what the missing runs did is unknown).
   */
  readonly partialChains: readonly string[];
}

/** Options of {@link replayPolicy}. */
export interface ReplayOptions {
  /** The candidate worker policy. */
  readonly policy: PolicyDocument;
  /** The worker ceiling the runs ran under, to check against each run's recorded hash. */
  readonly ceiling?: PolicyDocument;
}

const RANK: Readonly<Record<string, number>> = { allow: 0, ask: 1, deny: 2 };

function kindOf(before: string, after: string): ChangeKind {
  if (before === after) return ChangeKind.Unchanged;
  if (after === 'deny') return ChangeKind.NewlyDenied;
  if (after === 'ask') return ChangeKind.NewlyAsking;
  return ChangeKind.NewlyAllowed;
}

/**
 * Re-decides every recorded action of `runs` under `options.policy`.
 * @throws PolicyValidationError when a run's recorded narrowing policy no longer parses;
 *   `Replay.BadHistory` when a step's policy reference is not resolved (recorded-actions.ts).
 * @example
 * const report = replayPolicy(runs, { policy: loadPolicyFile('new.yaml') });
 * report.counts['newly-denied'];
 */
export function replayPolicy(runs: readonly RecordedRun[], options: ReplayOptions): ReplayReport {
  const candidate = compilePolicy(options.policy);
  const narrowing = new Map<string, CompiledPolicy>();
  const layers = (a: RecordedAction): CompiledPolicy[] => {
    if (a.runPolicy === undefined) return [candidate];
    if (refHash(a.runPolicy) !== undefined) {
      // Never replay under the ceiling alone: that would report the run's narrowing as changes.
      throw Object.assign(new Error(`a step refers to the run's policy ${a.runPolicy}, but the history's start input holds no policy with that hash`), {
        code: ClientCode.ReplayBadHistory,
      });
    }
    let compiled = narrowing.get(a.runPolicy);
    if (!compiled) {
      compiled = compilePolicy(loadPolicyText(a.runPolicy, '<run policy>'));
      narrowing.set(a.runPolicy, compiled);
    }
    return [candidate, compiled];
  };
  const changes: ReplayedAction[] = [];
  const counts: Record<ChangeKind, number> = { 'newly-denied': 0, 'newly-allowed': 0, 'newly-asking': 0, unchanged: 0 };
  const byRule: Record<string, number> = {};
  let actions = 0;
  const partialChains: string[] = [];
  let state: RunHistory = {};
  let chain: string | undefined;
  for (const run of runs) {
    if (run.workflowId !== chain) {
      chain = run.workflowId;
      state = {};
      if (run.carriedHistory !== undefined) partialChains.push(run.workflowId);
    }
    for (const a of run.actions) {
      actions++;
      const request = { action: a.action, target: a.target, params: a.params, ...(a.aliases !== undefined ? { aliases: a.aliases } : {}) };
      const policies = layers(a);
      const d = evaluateLayered(policies, request, new HistoryLookup(state));
      state = applyHistoryEffects(state, replayedEffects(policies, d, request, a));
      const change = kindOf(a.recorded.effect, d.effect);
      counts[change]++;
      if (change === ChangeKind.Unchanged) continue;
      const rule = d.ruleId ?? '(default deny)';
      byRule[rule] = (byRule[rule] ?? 0) + 1;
      const neverRan = (RANK[a.recorded.effect] ?? 2) === 2 && d.effect !== 'deny';
      changes.push({
        workflowId: run.workflowId,
        runId: run.runId,
        seq: a.seq,
        action: a.action,
        target: a.target,
        before: { effect: a.recorded.effect, ...(a.recorded.ruleId !== undefined ? { ruleId: a.recorded.ruleId } : {}) },
        after: { effect: d.effect, reason: d.reason, ...(d.ruleId !== undefined ? { ruleId: d.ruleId } : {}) },
        change,
        ...(neverRan ? { note: 'denied at run time, so it never ran: its outcome under the new policy is unknown' } : {}),
      });
    }
  }
  const ceilingMismatches = options.ceiling
    ? runs.filter((r) => r.ceilingHash !== undefined && r.ceilingHash !== options.ceiling?.hash).map((r) => r.workflowId)
    : [];
  return {
    runs: runs.length,
    actions,
    changes,
    counts,
    byRule,
    ceilingMismatches,
    notReplayable: runs.reduce((n, r) => n + r.unpaired, 0),
    partialChains,
  };
}

/** What a replayed action adds to the rebuilt run state (see the module comment). */
function replayedEffects(policies: readonly CompiledPolicy[], d: ReturnType<typeof evaluateLayered>, request: CanonicalRequest, a: RecordedAction) {
  const approved = d.effect === 'ask' && a.outcome?.approved === true;
  if (d.effect !== 'allow' && !approved) return undefined;
  const ran = a.outcome?.ran === true && a.outcome.status !== 'ERROR';
  return historyEffects(policies, d, {
    request,
    approved,
    created: ran && a.outcome?.created === true,
    deleted: ran && a.outcome?.status === 'OK' && a.action === 'fs.delete',
  });
}
