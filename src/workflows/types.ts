/**
 * The input, result and state of an agent run — plain data that crosses the workflow
 * boundary (start arguments, results, queries, updates). Safe to import anywhere.
 */
import type { ChatMessage } from '../model/types';
import type { ToolDefSpec } from './tool-defs';
import type { RunHistory } from './run-history-state';

/** Per-run limits. Each is capped by the worker's own limit (the smaller wins). */
export interface Budgets {
  /** Model turns (default 20). */
  readonly maxTurns?: number;
  /** Tool calls, counted once each however often an activity is retried. */
  readonly maxToolCalls?: number;
  /** Total model tokens (prompt + completion, as reported by the endpoint). */
  readonly maxModelTokens?: number;
  /** Bytes written by fs.write (UTF-8 length of `content`, or decoded base64). */
  readonly maxBytesWritten?: number;
  /** Wall-clock deadline of the whole run in milliseconds (a workflow timer; compensation runs when hit). */
  readonly deadlineMs?: number;
}

/** Start argument of the `agentRun` workflow. */
export interface AgentRunInput {
  /** The user's request. */
  readonly prompt: string;
  /** System instructions. */
  readonly instructions?: string;
  /** Tools the model may call (pure metadata); the worker's default tools when absent or empty. */
  readonly tools?: readonly ToolDefSpec[];
  /** Model name; the worker's default when absent. */
  readonly model?: string;
  /** Shorthand for `budgets.maxTurns`. */
  readonly maxTurns?: number;
  readonly budgets?: Budgets;
  /** YAML text of a run policy that narrows the worker's ceiling (it can never widen it). */
  readonly policy?: string;
  /** Task queue that fs.* and proc.* activities go to (a workspace-bound worker). */
  readonly workspaceQueue?: string;
  /** How long an `ask` waits for a human before it counts as denied (default 1 hour). */
  readonly approvalTimeoutMs?: number;
  /** Continue as new once the history has more events than this (default: when the server suggests it). */
  readonly continueAsNewAfterEvents?: number;
  /** Per-tool-result cap entering history and the transcript, in characters (default 16,000). */
  readonly maxToolResultChars?: number;
  /** Size budget of the transcript sent to the model, in characters (default 200,000). */
  readonly maxTranscriptChars?: number;
  /**
   * How long a step on `workspaceQueue` may wait for a worker to pick it up before it fails
   * as `Host.Unavailable` (default 60,000 ms; runs from 0.2.0 on).
   */
  readonly workspaceStartTimeoutMs?: number;
  /**
   * How long one compensation (undo) keeps being retried before it counts as failed
   * (default 24 hours; runs from 0.2.0 on).
   */
  readonly compensationTimeoutMs?: number;
  /** State carried across continue-as-new (set by the workflow itself). */
  readonly carried?: CarriedState;
}

/** What happened to one tool call. */
export interface ActionSummary {
  readonly turn: number;
  readonly tool: string;
  readonly action?: string;
  readonly target?: string;
  /** allow / deny / ask / invalid (mapping or schema error, unknown tool). */
  readonly decision: 'allow' | 'deny' | 'ask' | 'invalid';
  /** Kernel status: OK, DENIED, ERROR, UNKNOWN. */
  readonly status: string;
  readonly ruleId?: string;
  readonly reason?: string;
  readonly idempotencyKey?: string;
  /** The reversible record to roll back with (only for actions the reversible layer covers). */
  readonly recordId?: string;
  /** Hash of the kernel audit record of this call (runs from 0.2.0 on: every call has one). */
  readonly auditRecordId?: string;
  /** Stable code of a refusal or error, e.g. `Tool.UnknownTool`, `Fs.Escape`, `Host.Unavailable`. */
  readonly code?: string;
  /** Who approved or refused an `ask` (the name typed in). */
  readonly approver?: string;
  /** The approval request id (runs from 0.2.0 on: `approval-N`, from the workflow). */
  readonly approvalId?: string;
}

/** State of one compensation (the undo of one reversible action). */
export const CompensationState = {
  /** Registered before the action was scheduled; the action may or may not have applied. */
  Registered: 'registered',
  /** The action applied. */
  Applied: 'applied',
  Undone: 'undone',
  /** Nothing was left to undo (the action never took effect, or was undone before). */
  Noop: 'noop',
  /** The target changed after the action; not overwritten. */
  Conflict: 'conflict',
  Failed: 'failed',
} as const;
export type CompensationState = (typeof CompensationState)[keyof typeof CompensationState];

/** One compensation of a run. */
export interface Compensation {
  readonly idempotencyKey: string;
  recordId?: string;
  readonly action: string;
  readonly target: string;
  state: CompensationState;
  reason?: string;
}

/** A pending human approval. */
export interface PendingApproval {
  /** The id to answer with (from 0.2.0 on a workflow sequence, `approval-N`; earlier the model's call id). */
  readonly requestId: string;
  /** The model's tool-call id, for reference only (never used as the approval id). */
  readonly toolCallId?: string;
  readonly action: string;
  readonly target: string;
  readonly ruleId?: string;
  readonly reason: string;
  /**
   * The request's params as JSON (a program's arguments and working folder, a method, a body,
   * an MCP tool's arguments), cut to {@link MAX_APPROVAL_PARAMS_CHARS} characters: what the
   * person approves besides the target. Absent for approvals of runs before it was added.
   */
  readonly params?: string;
}

/** Characters of a pending approval's `params` preview. */
export const MAX_APPROVAL_PARAMS_CHARS = 2_000;

/** Usage counted against the budgets. */
export interface Usage {
  turns: number;
  toolCalls: number;
  totalTokens: number;
  bytesWritten: number;
}

/** Carried across continue-as-new. */
export interface CarriedState {
  readonly messages: readonly ChatMessage[];
  readonly actions: readonly ActionSummary[];
  readonly compensations: readonly Compensation[];
  readonly usage: Usage;
  readonly actionSeq: number;
  /** Last approval sequence number (runs from 0.2.0 on). */
  readonly approvalSeq?: number;
  /** Absolute deadline (epoch ms, workflow time), if any. */
  readonly deadlineAt?: number;
  /** How many times the run continued as new. */
  readonly generation: number;
  /**
   * The run state of history-aware policy rules (run-history-state.ts). Honoured only in a
   * run that continued as new: a client cannot start a run with a made-up state.
   */
  readonly history?: RunHistory;
}

/** Result of the `agentRun` workflow. */
export interface AgentRunResult {
  /** The model's final answer. */
  readonly output: string;
  readonly turns: number;
  readonly actions: readonly ActionSummary[];
  /** Compensations still available (undo with the `rollback` CLI / `rollbackRun` workflow). */
  readonly compensations: readonly Compensation[];
  readonly usage: { readonly totalTokens: number; readonly toolCalls: number; readonly bytesWritten: number };
  /** Continue-as-new generations this run went through. */
  readonly generations: number;
}

/** Answer of the `state` query. */
export interface AgentRunState {
  readonly turn: number;
  readonly actions: readonly ActionSummary[];
  readonly messages: number;
  readonly pendingApprovals: readonly PendingApproval[];
  readonly compensations: readonly Compensation[];
  readonly usage: Usage;
}

/** Argument of the `rollback` update. */
export type RollbackRequest = { readonly recordId: string } | { readonly all: true };

/** One undo outcome. */
export interface UndoResult {
  readonly recordId?: string;
  readonly idempotencyKey: string;
  readonly action: string;
  readonly target: string;
  /** The reversible layer's status: OK, NOOP, CONFLICT, ERROR. */
  readonly status: string;
  readonly reason?: string;
  /** Stable code of a failed undo, e.g. `Host.Unavailable`. */
  readonly code?: string;
}

/** Answer of the `rollback` update and result of `rollbackRun`. */
export interface RollbackResult {
  readonly undone: readonly UndoResult[];
}

/** Argument of the `approve` update. */
export interface ApprovalDecision {
  readonly requestId: string;
  readonly allow: boolean;
  readonly reason?: string;
  readonly approver?: string;
}

/** Input of the `rollbackRun` workflow (undo of a finished run). */
export interface RollbackRunInput {
  /** The finished run, for the record. */
  readonly workflowId: string;
  readonly runId?: string;
  /** The run's compensations (from its result or `state` query). */
  readonly compensations: readonly Compensation[];
  /** Only these record ids (default: all, newest first). */
  readonly recordIds?: readonly string[];
  readonly force?: boolean;
  /** Task queue of the workspace-bound worker, when the run used one. */
  readonly workspaceQueue?: string;
  /** As in {@link AgentRunInput} (rollbacks started by 0.2.0 and later). */
  readonly workspaceStartTimeoutMs?: number;
  /** How long each undo is retried (default 24 hours; rollbacks started by 0.2.0 and later). */
  readonly compensationTimeoutMs?: number;
}

/** Re-exported for convenience. */
export type { ChatMessage };
