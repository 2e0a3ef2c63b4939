/**
 * The input, result and state of an agent run — plain data that crosses the workflow
 * boundary (start arguments, results, queries). Safe to import anywhere.
 */
import type { ChatMessage } from '../model/types';
import type { ToolDefSpec } from './tool-defs';

/** Start argument of the `agentRun` workflow. */
export interface AgentRunInput {
  /** The user's request. */
  readonly prompt: string;
  /** System instructions. */
  readonly instructions?: string;
  /** Tools the model may call (pure metadata). */
  readonly tools: readonly ToolDefSpec[];
  /** Model name; the worker's default when absent. */
  readonly model?: string;
  /** Model turns before the run stops with `Budget.MaxTurns` (default 20). */
  readonly maxTurns?: number;
  /** Per-tool-result cap entering history and the transcript, in characters (default 16,000). */
  readonly maxToolResultChars?: number;
  /** Size budget of the transcript sent to the model, in characters (default 200,000). */
  readonly maxTranscriptChars?: number;
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
}

/** Result of the `agentRun` workflow. */
export interface AgentRunResult {
  /** The model's final answer. */
  readonly output: string;
  readonly turns: number;
  readonly actions: readonly ActionSummary[];
  readonly usage: { readonly totalTokens: number };
}

/** Answer of the `state` query. */
export interface AgentRunState {
  readonly turn: number;
  readonly actions: readonly ActionSummary[];
  readonly messages: number;
}

/** Re-exported for convenience. */
export type { ChatMessage };
