/**
 * Budgets of a run: the run asks, the worker caps (the smaller wins). Exceeding one
 * stops the run with a typed, non-retryable failure, which triggers compensation.
 * Counting happens in workflow code per logical call, so activity retries never count twice.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { Patch } from './patches';
import type { WorkerLimits } from '../activities/index';
import type { AgentRunInput, Usage } from './types';

/** Failure types of exceeded budgets. */
export const BudgetFailure = {
  MaxTurns: 'Budget.MaxTurns',
  MaxToolCalls: 'Budget.MaxToolCalls',
  MaxModelTokens: 'Budget.MaxModelTokens',
  MaxBytesWritten: 'Budget.MaxBytesWritten',
  Deadline: 'Budget.Deadline',
} as const;

/** The limits in force for one run. */
export interface EffectiveBudgets {
  readonly maxTurns: number;
  readonly maxToolCalls: number;
  readonly maxModelTokens: number;
  readonly maxBytesWritten: number;
  readonly deadlineMs?: number;
}

const DEFAULT_MAX_TURNS = 20;

/**
 * Combines the run's budgets with the worker's caps. `capDeadline` (runs from Patch.DeadlineCap
 * on): a run that asks for no deadline gets the worker's `maxDeadlineMs`; before, it had none.
 */
export function effectiveBudgets(input: AgentRunInput, caps: WorkerLimits, capDeadline = false): EffectiveBudgets {
  const b = input.budgets ?? {};
  const min = (asked: number | undefined, cap: number) => (asked === undefined ? cap : Math.min(asked, cap));
  const askedDeadline = b.deadlineMs ?? (capDeadline ? caps.maxDeadlineMs : undefined);
  const deadline = askedDeadline === undefined ? undefined : Math.min(askedDeadline, caps.maxDeadlineMs);
  return {
    maxTurns: Math.min(b.maxTurns ?? input.maxTurns ?? DEFAULT_MAX_TURNS, caps.maxTurns),
    maxToolCalls: min(b.maxToolCalls, caps.maxToolCalls),
    maxModelTokens: min(b.maxModelTokens, caps.maxModelTokens),
    maxBytesWritten: min(b.maxBytesWritten, caps.maxBytesWritten),
    ...(deadline !== undefined ? { deadlineMs: deadline } : {}),
  };
}

/** Throws the typed failure for an exceeded budget. */
export function exceeded(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Checks usage after a model reply. */
export function checkTokens(usage: Usage, budgets: EffectiveBudgets): void {
  if (usage.totalTokens > budgets.maxModelTokens) {
    exceeded(BudgetFailure.MaxModelTokens, `model tokens ${usage.totalTokens} exceed the budget of ${budgets.maxModelTokens}`);
  }
}

/**
 * Bytes an fs.write request would write (UTF-8 of `content`, or decoded base64): what
 * `Buffer.from(content, 'utf8')` gives, a lone surrogate as U+FFFD (3 bytes).
 * `loneSurrogates: false` counts as runs before Patch.CountLoneSurrogates did (a high
 * surrogate took 4 bytes and the next code unit with it, whatever it was).
 */
export function bytesToWrite(params: Readonly<Record<string, unknown>> | undefined, loneSurrogates = true): number {
  const content = params?.['content'];
  if (typeof content !== 'string') return 0;
  if (params?.['encoding'] === 'base64') {
    const padding = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0;
    return Math.max(0, Math.floor((content.length * 3) / 4) - padding);
  }
  let bytes = 0;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (!loneSurrogates || isLowSurrogate(content.charCodeAt(i + 1)))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * {@link bytesToWrite} in a run: the count the run's workflow code made. Only a content
 * whose two counts differ (it holds a lone surrogate) asks Patch.CountLoneSurrogates, so
 * only such runs carry its marker and every other history replays as it was.
 */
export function bytesToWriteInRun(params: Readonly<Record<string, unknown>> | undefined): number {
  const bytes = bytesToWrite(params);
  const before = bytesToWrite(params, false);
  return bytes === before || patched(Patch.CountLoneSurrogates) ? bytes : before;
}
