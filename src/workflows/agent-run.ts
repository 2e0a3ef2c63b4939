/**
 * `agentRun`: the agent loop as a Temporal workflow. Messages → model activity → tool
 * calls → results back to the model, until the model answers or a budget is exhausted.
 *
 * - Every tool call is decided (recorded in history), then executed through
 *   `Kernel.submit` as an activity whose summary shows the decision (tool-step.ts).
 *   Several tool calls of one model turn run one after another, in the model's order.
 * - `ask` decisions wait for the `approve` update (approvals.ts).
 * - Reversible actions register compensations; when the run fails, is cancelled or hits
 *   its deadline they are undone newest first, then the original failure is rethrown
 *   (saga.ts). `terminate` skips compensation: it kills the run without running code.
 * - Long runs continue as new, carrying messages, compensations and usage.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ModelTool, ToolCall } from '../model/types';
import { callModel, workerInfo } from './activities';
import { Approvals } from './approvals';
import { RunFailure, checkAgentRunInput, invalidInput } from './input-check';
import { Patch } from './patches';
import { runAuditedToolStep } from './audited-step';
import { BudgetFailure, checkTokens, effectiveBudgets, exceeded, type EffectiveBudgets } from './budgets';
import { approveUpdate, rollbackUpdate, stateQuery } from './messages';
import { Saga, describeFailure } from './saga';
import { runToolStep, type StepContext } from './tool-step';
import { toolNameOf } from './tool-defs';
import { recordUnrunCalls } from './unrun-calls';
import { budgetTranscript } from './transcript';
import { RunHistoryState, type RunHistory } from './run-history-state';
import type { ActionSummary, AgentRunInput, AgentRunResult, ChatMessage, RollbackRequest, UndoResult, Usage } from './types';

export { RunFailure };

const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60 * 1000;
const DEFAULT_WORKSPACE_START_TIMEOUT_MS = 60_000;
const DEFAULT_COMPENSATION_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** What this run does differently from runs started by older workflow code (docs/versioning.md). */
export interface RunFeatures {
  readonly checkInput: boolean;
  readonly auditEveryCall: boolean;
  readonly workflowApprovalIds: boolean;
  readonly deadHosts: boolean;
  readonly deadlineCap: boolean;
}

/** The agent loop. Returns the model's final answer, every action, and the compensations left. */
export async function agentRun(rawInput: AgentRunInput): Promise<AgentRunResult> {
  // Decided once, first thing: new runs record a marker per patch; replays of runs started
  // by 0.1.0 find none and keep the old behaviour.
  const features: RunFeatures = {
    checkInput: patched(Patch.CheckInputAtTheDoor),
    auditEveryCall: patched(Patch.AuditEveryToolCall),
    workflowApprovalIds: patched(Patch.WorkflowApprovalIds),
    deadHosts: patched(Patch.DeadHostsAndCompensation),
    deadlineCap: patched(Patch.DeadlineCap),
  };
  let input: AgentRunInput;
  if (features.checkInput) input = checkAgentRunInput(rawInput);
  else {
    checkInput(rawInput);
    input = rawInput;
  }
  const carried = input.carried;
  const messages: ChatMessage[] = carried ? [...carried.messages] : initialMessages(input);
  const actions: ActionSummary[] = carried ? [...carried.actions] : [];
  const usage: Usage = carried ? { ...carried.usage } : { turns: 0, toolCalls: 0, totalTokens: 0, bytesWritten: 0 };
  const saga = new Saga(
    carried ? carried.compensations.map((c) => ({ ...c })) : [],
    input.workspaceQueue,
    features.deadHosts
      ? {
          startTimeoutMs: input.workspaceStartTimeoutMs ?? DEFAULT_WORKSPACE_START_TIMEOUT_MS,
          compensationTimeoutMs: input.compensationTimeoutMs ?? DEFAULT_COMPENSATION_TIMEOUT_MS,
        }
      : undefined,
  );
  const runHistory = new RunHistoryState(carriedHistory(carried));
  // Checked before anything acts on it (the rollback handler, a compensation, the deadline).
  const carriedDeadline = features.deadlineCap ? carriedDeadlineAt(carried) : carried?.deadlineAt;
  const approvals = new Approvals();
  // Handlers first: queries and updates may arrive before the first activity completes.
  setHandler(stateQuery, () => ({
    turn: usage.turns,
    actions,
    messages: messages.length,
    pendingApprovals: approvals.list(),
    compensations: saga.entries,
    usage,
  }));
  setHandler(approveUpdate, (d) => (approvals.decide(d), { requestId: d.requestId, allow: d.allow }), {
    validator: (d) => throwIf(approvals.refuse(d)),
  });
  setHandler(rollbackUpdate, (r) => rollback(saga, r), {
    validator: (r) => throwIf(refuseRollback(saga, r)),
  });

  const info = await workerInfo({
    ...(input.policy !== undefined ? { runPolicy: input.policy } : {}),
    ...(features.checkInput && input.tools?.length ? { tools: input.tools } : {}),
  });
  if (info.runPolicyProblem !== undefined) {
    throw ApplicationFailure.create({ type: RunFailure.InvalidPolicy, message: info.runPolicyProblem, nonRetryable: true });
  }
  if (features.checkInput && info.toolsProblems !== undefined && info.toolsProblems.length > 0) throw invalidInput(info.toolsProblems);
  const budgets = effectiveBudgets(input, info.limits, features.deadlineCap);
  const deadlineAt = carriedDeadline ?? (budgets.deadlineMs !== undefined ? Date.now() + budgets.deadlineMs : undefined);
  const model = input.model ?? info.model;
  upsertSearchAttributes({ AgentOsPolicyHash: [info.policyHash], AgentOsModel: [model], AgentOsPendingApprovals: [0] });
  upsertMemo({ policyHash: info.policyHash, model, ...(input.policy !== undefined ? { narrowed: true } : {}) });

  const { workflowId, runId } = workflowInfo();
  let actionSeq = carried?.actionSeq ?? 0;
  let approvalSeq = carried?.approvalSeq ?? 0;
  const toolDefs = input.tools?.length ? input.tools : (info.tools ?? []);
  const ctx: StepContext = {
    tools: toolDefs,
    saga,
    approvals,
    usage,
    budgets,
    reversible: new Set(info.reversibleActions),
    maxChars: input.maxToolResultChars ?? 16_000,
    approvalTimeoutMs: input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    ...(input.policy !== undefined ? { runPolicy: input.policy } : {}),
    // Recorded steps carry only the policy's reference when the worker gave one (the text
    // travels once, in this run's start input); no command changes, so no patch.
    ...(input.policy !== undefined && info.runPolicyRef !== undefined ? { runPolicyRef: info.runPolicyRef } : {}),
    ...(input.workspaceQueue !== undefined ? { workspaceQueue: input.workspaceQueue } : {}),
    nextKey: () => `${workflowId}/${runId}/${++actionSeq}`,
    features,
    nextApprovalId: () => `approval-${++approvalSeq}`,
    ...(features.deadHosts ? { workspaceStartTimeoutMs: input.workspaceStartTimeoutMs ?? DEFAULT_WORKSPACE_START_TIMEOUT_MS } : {}),
    runHistory,
  };

  const main = new CancellationScope();
  const timer = new CancellationScope();
  let deadlineHit = false;
  if (deadlineAt !== undefined) {
    void timer
      .run(() => sleep(Math.max(1, deadlineAt - Date.now()), { summary: 'run deadline' }))
      .then(
        () => {
          deadlineHit = true;
          main.cancel();
        },
        () => undefined,
      );
  }
  let outcome: LoopOutcome;
  try {
    outcome = await main.run(() => loop(input, ctx, messages, actions, budgets, model));
  } catch (err) {
    const failure =
      deadlineHit && isCancellation(err)
        ? ApplicationFailure.create({ type: BudgetFailure.Deadline, message: `the run's deadline of ${budgets.deadlineMs} ms passed`, nonRetryable: true })
        : err;
    setCurrentDetails('compensating: undoing reversible actions newest first');
    const undone = await saga.compensateAll();
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    if (features.deadHosts) throw withCompensationFailures(failure, undone);
    throw failure;
  } finally {
    timer.cancel();
  }

  await condition(allHandlersFinished);
  if (outcome.kind === 'continue') {
    return continueAsNew<typeof agentRun>({
      ...input,
      carried: {
        messages: budgetTranscript(messages, input.maxTranscriptChars ?? 200_000),
        actions,
        compensations: saga.entries,
        usage,
        actionSeq,
        ...(features.workflowApprovalIds ? { approvalSeq } : {}),
        generation: (carried?.generation ?? 0) + 1,
        ...(deadlineAt !== undefined ? { deadlineAt } : {}),
        ...runHistory.input(),
      },
    });
  }
  return {
    output: outcome.output,
    turns: usage.turns,
    actions,
    compensations: saga.entries,
    usage: { totalTokens: usage.totalTokens, toolCalls: usage.toolCalls, bytesWritten: usage.bytesWritten },
    generations: carried?.generation ?? 0,
  };
}

type LoopOutcome = { readonly kind: 'done'; readonly output: string } | { readonly kind: 'continue' };

async function loop(
  input: AgentRunInput,
  ctx: StepContext,
  messages: ChatMessage[],
  actions: ActionSummary[],
  budgets: EffectiveBudgets,
  model: string,
): Promise<LoopOutcome> {
  const tools: ModelTool[] = ctx.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  const maxTranscript = input.maxTranscriptChars ?? 200_000;
  for (;;) {
    if (shouldContinueAsNew(input)) return { kind: 'continue' };
    if (ctx.usage.turns >= budgets.maxTurns) exceeded(BudgetFailure.MaxTurns, `the model did not finish within maxTurns=${budgets.maxTurns}`);
    const turn = ++ctx.usage.turns;
    setCurrentDetails(`turn ${turn} of at most ${budgets.maxTurns}: asking the model (${actions.length} actions so far)`);
    const reply = await callModel.executeWithOptions({ summary: `model turn ${turn}` }, [
      { messages: budgetTranscript(messages, maxTranscript), tools, model },
    ]);
    ctx.usage.totalTokens += reply.usage.totalTokens;
    messages.push(reply.message);
    const calls = reply.message.toolCalls ?? [];
    // Runs that audit every call record the calls they never reach when they stop first (unrun-calls.ts).
    const stopped = async (rest: readonly ToolCall[], err: unknown): Promise<never> => {
      if (ctx.features.auditEveryCall) await recordUnrunCalls(ctx, rest, err);
      throw err;
    };
    try {
      checkTokens(ctx.usage, budgets);
    } catch (err) {
      await stopped(calls, err);
    }
    if (calls.length === 0) return { kind: 'done', output: reply.message.content ?? '' };
    for (const [i, call] of calls.entries()) {
      setCurrentDetails(`turn ${turn}: tool ${toolNameOf(call.name)} (${actions.length + 1} actions)`);
      let step;
      try {
        step = ctx.features.auditEveryCall ? await runAuditedToolStep(ctx, call, turn) : await runToolStep(ctx, call, turn);
      } catch (err) {
        return stopped(calls.slice(i + 1), err);
      }
      actions.push(step.action);
      messages.push({ role: 'tool', toolCallId: call.id, content: step.content });
    }
  }
}

function shouldContinueAsNew(input: AgentRunInput): boolean {
  const info = workflowInfo();
  if (info.continueAsNewSuggested) return true;
  return input.continueAsNewAfterEvents !== undefined && info.historyLength > input.continueAsNewAfterEvents;
}

async function rollback(saga: Saga, request: RollbackRequest) {
  if ('all' in request && request.all === true) return { undone: await saga.compensateAll() };
  const entry = saga.find((request as { recordId: string }).recordId)!;
  return { undone: [await saga.undo(entry)] };
}

function initialMessages(input: AgentRunInput): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (input.instructions) messages.push({ role: 'system', content: input.instructions });
  messages.push({ role: 'user', content: input.prompt });
  return messages;
}

/** Why a `rollback` update cannot be accepted, or undefined (its validator). */
function refuseRollback(saga: Saga, request: unknown): string | undefined {
  const r = request as { recordId?: unknown; all?: unknown } | null;
  const shape = 'rollback needs { recordId: string } or { all: true }';
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return shape;
  const keys = Object.keys(r);
  if (r.all === true && keys.length === 1) return undefined;
  if (typeof r.recordId === 'string' && r.recordId !== '' && keys.length === 1) return saga.refuse(r.recordId);
  return `${shape}; got ${JSON.stringify(r).slice(0, 200)}`;
}

/**
 * The run's failure after compensating: unchanged when every undo worked; otherwise a
 * `Run.CompensationFailed` whose message and details list the undos that failed, with the
 * original failure as its cause.
 */
function withCompensationFailures(failure: unknown, undone: readonly UndoResult[]): unknown {
  const failed = undone.filter((u) => u.status !== 'OK' && u.status !== 'NOOP');
  if (failed.length === 0) return failure;
  const original = failure instanceof Error ? describeFailure(failure) : String(failure);
  const list = failed.map((u) => `${u.action} ${u.target}: ${u.status}${u.code ? ` ${u.code}` : ''}${u.reason ? ` (${u.reason})` : ''}`).join('; ');
  return ApplicationFailure.create({
    type: RunFailure.CompensationFailed,
    message: `${original}; then ${failed.length} of ${undone.length} compensation(s) failed: ${list}`,
    nonRetryable: true,
    details: [{ compensations: failed }],
    ...(failure instanceof Error ? { cause: failure } : {}),
  });
}

/**
 * The carried deadline. The carried state as a whole is honoured only when this run continued
 * as new: a client starting a run with it would set a deadline past the worker's cap (or none
 * at all), or hand the saga another run's actions to undo (`compensations`).
 */
function carriedDeadlineAt(carried: AgentRunInput['carried']): number | undefined {
  if (carried === undefined) return undefined;
  if (workflowInfo().continuedFromExecutionRunId === undefined) {
    throw ApplicationFailure.create({
      type: RunFailure.InvalidInput,
      message: `invalid agentRun input: carried (${Object.keys(carried).join(', ')}) is set by the workflow when it continues as new, never by the client that starts a run`,
      nonRetryable: true,
    });
  }
  return carried.deadlineAt;
}

/**
 * The carried run state of history-aware rules, honoured only when this run continued as
 * new (Temporal sets that; a client starting a run cannot): a made-up state would let a
 * run claim calls, approvals or created files it never had.
 */
function carriedHistory(carried: AgentRunInput['carried']): RunHistory | undefined {
  if (carried?.history === undefined) return undefined;
  if (workflowInfo().continuedFromExecutionRunId === undefined) {
    throw ApplicationFailure.create({
      type: RunFailure.InvalidInput,
      message: 'invalid agentRun input: carried.history is set by the workflow when it continues as new, never by the client that starts a run',
      nonRetryable: true,
    });
  }
  return carried.history;
}

function throwIf(problem: string | undefined): void {
  if (problem !== undefined) throw new Error(problem);
}

function checkInput(input: AgentRunInput): void {
  const problems: string[] = [];
  if (typeof input?.prompt !== 'string' || input.prompt === '') problems.push('prompt must be a non-empty string');
  if (input?.tools !== undefined && !Array.isArray(input.tools)) problems.push("tools must be an array of tool definitions (or absent: the worker's tools)");
  for (const [name, value] of Object.entries({ maxTurns: input?.maxTurns, ...(input?.budgets ?? {}) })) {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) problems.push(`${name} must be a positive integer`);
  }
  if (problems.length) {
    throw ApplicationFailure.create({ type: RunFailure.InvalidInput, message: `invalid agentRun input: ${problems.join('; ')}`, nonRetryable: true });
  }
}
