/**
 * `agentRun`: the agent loop as a Temporal workflow. Messages → model activity → tool
 * calls → results back to the model, until the model answers or `maxTurns` is reached.
 *
 * Every tool call is first **decided** (a local activity through the kernel, recorded in
 * history) and then **executed** as an activity whose summary shows the decision in the
 * Web UI, e.g. `fs.write /workspace/out.md → allow (write-output)` or
 * `fs.write /etc/passwd → DENIED (no capability)`. Execution goes through
 * `Kernel.submit`, which decides again at use time. Several tool calls of one model turn
 * run one after another, in the order the model gave them.
 */
import {
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentActivities } from '../activities/index';
import type { KernelDecision } from '../kernel/decide';
import type { ChatMessage, ModelTool } from '../model/types';
import { stateQuery } from './messages';
import { mapToolCall, type ToolDefSpec } from './tool-defs';
import { budgetTranscript, capText } from './transcript';
import type { ActionSummary, AgentRunInput, AgentRunResult } from './types';

const { callModel } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});
const { executeAction } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});
const { decideAction, workerInfo } = proxyLocalActivities<AgentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/** Failure types a run can end with. */
export const RunFailure = { MaxTurns: 'Budget.MaxTurns', InvalidInput: 'Run.InvalidInput' } as const;

/** The agent loop. Returns the model's final answer and a summary of every action. */
export async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
  checkInput(input);
  const maxTurns = input.maxTurns ?? 20;
  const maxToolChars = input.maxToolResultChars ?? 16_000;
  const maxTranscript = input.maxTranscriptChars ?? 200_000;
  const { workflowId, runId } = workflowInfo();
  const actions: ActionSummary[] = [];
  const messages: ChatMessage[] = [];
  if (input.instructions) messages.push({ role: 'system', content: input.instructions });
  messages.push({ role: 'user', content: input.prompt });
  let turn = 0;
  let totalTokens = 0;
  let actionSeq = 0;
  setHandler(stateQuery, () => ({ turn, actions, messages: messages.length }));

  const info = await workerInfo();
  const model = input.model ?? info.model;
  upsertSearchAttributes({ AgentOsPolicyHash: [info.policyHash], AgentOsModel: [model] });
  upsertMemo({ policyHash: info.policyHash, model });
  const tools: ModelTool[] = input.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));

  while (turn < maxTurns) {
    turn++;
    setCurrentDetails(`turn ${turn} of ${maxTurns}: asking the model (${actions.length} actions so far)`);
    const reply = await callModel.executeWithOptions({ summary: `model turn ${turn}` }, [
      { messages: budgetTranscript(messages, maxTranscript), tools, model },
    ]);
    totalTokens += reply.usage.totalTokens;
    messages.push(reply.message);
    const calls = reply.message.toolCalls ?? [];
    if (calls.length === 0) {
      return { output: reply.message.content ?? '', turns: turn, actions, usage: { totalTokens } };
    }
    for (const call of calls) {
      setCurrentDetails(`turn ${turn} of ${maxTurns}: tool ${call.name}`);
      const summary = await runToolCall(input.tools, call, turn, `${workflowId}/${runId}/${++actionSeq}`, maxToolChars);
      actions.push(summary.action);
      messages.push({ role: 'tool', toolCallId: call.id, content: summary.content });
    }
  }
  throw ApplicationFailure.create({
    type: RunFailure.MaxTurns,
    message: `the model did not finish within maxTurns=${maxTurns}`,
    nonRetryable: true,
  });
}

async function runToolCall(
  tools: readonly ToolDefSpec[],
  call: { id: string; name: string; arguments: string },
  turn: number,
  idempotencyKey: string,
  maxChars: number,
): Promise<{ action: ActionSummary; content: string }> {
  const mapped = mapToolCall(tools, call);
  if (!mapped.ok) {
    return { action: { turn, tool: call.name, decision: 'invalid', status: 'ERROR', reason: mapped.error }, content: JSON.stringify({ status: 'ERROR', error: mapped.error }) };
  }
  const { request } = mapped;
  const decision: KernelDecision = await decideAction.executeWithOptions(
    { summary: `decide ${request.action} ${request.target}` },
    [{ request, schema: mapped.tool.parameters, args: mapped.args }],
  );
  const base = { turn, tool: call.name, action: request.action, target: request.target };
  if (decision.effect === 'invalid') {
    return { action: { ...base, decision: 'invalid', status: 'ERROR', reason: decision.reason }, content: JSON.stringify({ status: 'ERROR', error: decision.reason }) };
  }
  const label = decision.effect === 'allow' ? `allow (${decision.ruleId ?? 'rule'})` : `${decision.effect === 'ask' ? 'ASK' : 'DENIED'} (${decision.ruleId ?? 'no capability'})`;
  // Denied and asked actions also go through the kernel: it records them in its audit log,
  // never reaches the provider, and the activity's summary makes the denial visible.
  const outcome = await executeAction.executeWithOptions(
    { summary: `${request.action} ${request.target} → ${label}` },
    [{ request, idempotencyKey, maxChars }],
  );
  const content = capText(
    JSON.stringify({ status: outcome.status, data: outcome.data, error: outcome.error, reason: outcome.reason }),
    maxChars + 1_000,
  );
  return {
    action: {
      ...base,
      decision: decision.effect,
      status: outcome.status,
      idempotencyKey,
      ...(outcome.ruleId ?? decision.ruleId ? { ruleId: outcome.ruleId ?? decision.ruleId } : {}),
      ...(outcome.reason ?? decision.reason ? { reason: outcome.reason ?? decision.reason } : {}),
    },
    content,
  };
}

function checkInput(input: AgentRunInput): void {
  const problems: string[] = [];
  if (typeof input?.prompt !== 'string' || input.prompt === '') problems.push('prompt must be a non-empty string');
  if (!Array.isArray(input?.tools)) problems.push('tools must be an array of tool definitions');
  if (input?.maxTurns !== undefined && (!Number.isInteger(input.maxTurns) || input.maxTurns < 1)) problems.push('maxTurns must be a positive integer');
  if (problems.length) {
    throw ApplicationFailure.create({ type: RunFailure.InvalidInput, message: `invalid agentRun input: ${problems.join('; ')}`, nonRetryable: true });
  }
}
