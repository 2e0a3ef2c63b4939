/**
 * Reading what a run asked for out of its Temporal history, for `policy replay`: every
 * decision the run recorded (the `decideAction` local activity's marker: effect, rule,
 * canonical target) paired with the request that followed it (the `executeAction` input:
 * action, params, and the run's own policy: its text, or its reference resolved from the
 * run's start input), plus the worker ceiling's hash the run
 * recorded (`workerInfo`). Pure: a history in, plain data out; never throws on odd events.
 */
import type { temporal } from '@temporalio/proto';
import { refHash, runPolicyHash } from '../../activities/run-policy-ref';

type History = temporal.api.history.v1.IHistory;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

/** What the run recorded about one decided request. */
export interface RecordedAction {
  /** Position among the run's decisions, from 1. */
  readonly seq: number;
  readonly action: string;
  /** The canonical target judged at run time (symlinks and `..` were resolved then). */
  readonly target: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Other names of the target the run time's deny and ask rules matched too (a program's), when it had any. */
  readonly aliases?: readonly string[];
  readonly recorded: { readonly effect: string; readonly ruleId?: string; readonly reason: string };
  /**
   * YAML text of the run's own (narrowing) policy, when it had one. Steps of runs from 0.3.0
   * on carry only its `sha256:…` reference; it is replaced by the text of the run's start
   * input when that hashes to it, and left as the reference when it does not.
   */
  readonly runPolicy?: string;
  /**
   * What happened at run time, when the step's result is in history: `ran` — the request
   * went to the kernel's execute step (not a refusal recorded before the gate) and was not
   * denied there; `approved` — a person approved it; `created` — an fs.write created its target.
   */
  readonly outcome?: {
    readonly status: string;
    readonly ran: boolean;
    readonly approved: boolean;
    readonly created: boolean;
    /** What the step added to the run state of history-aware rules, as recorded. */
    readonly history?: Readonly<Record<string, unknown>>;
  };
}

/** One run's recorded actions. */
export interface RecordedRun {
  readonly workflowId: string;
  readonly runId: string;
  /** sha256 of the worker ceiling the run recorded at its start (`workerInfo`). */
  readonly ceilingHash?: string;
  readonly actions: readonly RecordedAction[];
  /** Decisions whose request is not in history (no step followed them): not replayable. */
  readonly unpaired: number;
  /** Set when the run continued from an earlier one: the run state of history-aware rules it started with. */
  readonly carriedHistory?: Readonly<Record<string, unknown>>;
  /** YAML text of the run's own policy from its start input, when it had one. */
  readonly runPolicy?: string;
}

function decode(payloads: Payloads): unknown[] {
  return (payloads?.payloads ?? []).map((p) => {
    try {
      return JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
    } catch {
      return undefined;
    }
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The decisions and requests of one run's history.
 * @example
 * const run = recordedActions(await handle.fetchHistory(), { workflowId, runId });
 */
export function recordedActions(history: History, ids: { workflowId: string; runId: string }): RecordedRun {
  const actions: RecordedAction[] = [];
  let ceilingHash: string | undefined;
  let pending: { effect: string; ruleId?: string; reason: string; target: string; aliases?: readonly string[] } | undefined;
  let unpaired = 0;
  let carriedHistory: Record<string, unknown> | undefined;
  let startPolicy: { readonly text: string; readonly hash: string } | undefined;
  const steps = new Map<string, { index: number; execute: boolean; approved: boolean }>();
  const outcomes = new Map<number, NonNullable<RecordedAction['outcome']>>();
  for (const e of history.events ?? []) {
    const started = e.workflowExecutionStartedEventAttributes;
    if (started) {
      const [input] = decode(started.input);
      const text = isObject(input) ? str(input['policy']) : undefined;
      startPolicy = text === undefined ? undefined : { text, hash: runPolicyHash(text) };
      const carried = isObject(input) && isObject(input['carried']) ? input['carried'] : undefined;
      if (carried && isObject(carried['history'])) carriedHistory = carried['history'];
      continue;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const step = steps.get(String(completed.scheduledEventId));
      if (step === undefined) continue;
      const [result] = decode(completed.result);
      const status = isObject(result) ? (str(result['status']) ?? 'unknown') : 'unknown';
      const data = isObject(result) && isObject(result['data']) ? result['data'] : undefined;
      const effects = isObject(result) && isObject(result['history']) ? { history: result['history'] } : {};
      outcomes.set(step.index, { status, ran: step.execute && status !== 'DENIED', approved: step.approved, created: data?.['created'] === true, ...effects });
      continue;
    }
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const [data] = decode(marker.details?.['data']);
      const [result] = decode(marker.details?.['result']);
      const type = isObject(data) ? str(data['activity_type']) : undefined;
      if (type === 'workerInfo' && isObject(result)) ceilingHash = str(result['policyHash']);
      if (type === 'decideAction' && isObject(result)) {
        if (pending) unpaired++;
        const target = str(result['target']);
        pending =
          target === undefined
            ? undefined
            : {
                effect: str(result['effect']) ?? 'unknown',
                reason: str(result['reason']) ?? '',
                target,
                ...(str(result['ruleId']) ? { ruleId: str(result['ruleId']) as string } : {}),
                ...aliasesOf(result['aliases']),
              };
        if (target === undefined) unpaired++;
      }
      continue;
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (!scheduled || !pending) continue;
    const [input] = decode(scheduled.input);
    const request = isObject(input) && isObject(input['request']) ? input['request'] : undefined;
    if (!request || !isObject(input)) continue;
    const { effect, ruleId, reason, target, aliases } = pending;
    pending = undefined;
    const recordedPolicy = str(input['runPolicy']);
    const ref = refHash(recordedPolicy);
    const runPolicy = ref !== undefined && ref === startPolicy?.hash ? startPolicy.text : recordedPolicy;
    steps.set(String(e.eventId), { index: actions.length, execute: scheduled.activityType?.name === 'executeAction', approved: isObject(input['approval']) });
    actions.push({
      seq: actions.length + 1,
      action: str(request['action']) ?? '',
      target,
      params: isObject(request['params']) ? request['params'] : {},
      ...(aliases !== undefined ? { aliases } : {}),
      recorded: { effect, reason, ...(ruleId !== undefined ? { ruleId } : {}) },
      ...(runPolicy !== undefined ? { runPolicy } : {}),
    });
  }
  if (pending) unpaired++;
  const withOutcomes = actions.map((a, i) => {
    const outcome = outcomes.get(i);
    return outcome === undefined ? a : { ...a, outcome };
  });
  return {
    ...ids,
    ...(ceilingHash !== undefined ? { ceilingHash } : {}),
    actions: withOutcomes,
    unpaired,
    ...(carriedHistory !== undefined ? { carriedHistory } : {}),
    ...(startPolicy !== undefined ? { runPolicy: startPolicy.text } : {}),
  };
}

/** A recorded decision's `aliases`: a non-empty list of strings, else nothing. */
function aliasesOf(value: unknown): { aliases?: readonly string[] } {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? { aliases: value } : {};
}
