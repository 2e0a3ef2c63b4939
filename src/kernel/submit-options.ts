/**
 * `submit`'s options come from callers the kernel does not control (an activity, an
 * embedding app, a fuzzer): each field is read exactly once, inside a guard, checked for
 * its type and copied. A getter that throws, a Proxy or a wrong type never escapes as a
 * throw or a rejection: it becomes a `problem`, which the pipeline answers with
 * `ERROR Kernel.MalformedRequest` — and that answer is still the submit's one record.
 */
import { types } from 'node:util';
import type { BeforeEffect, DecidedBefore, ExecutionStep } from './types';
import { readRunHistory, type RunHistory } from './run-history';

/** Longest accepted approver name / approval reason, in UTF-16 code units. */
export const MAX_APPROVER_LENGTH = 256;
export const MAX_APPROVAL_REASON_LENGTH = 1024;

/** Options after checking: every field has its declared type or is absent. */
export interface CheckedSubmitOptions {
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
  readonly approval?: { readonly approver: string; readonly reason?: string; readonly identity?: string };
  readonly beforeExecute?: (step: ExecutionStep) => Promise<void | BeforeEffect>;
  readonly history?: RunHistory;
  readonly decided?: DecidedBefore;
}

/** The checked options and, when something was wrong, what. */
export interface ReadOptions {
  readonly options: CheckedSubmitOptions;
  /** Set when a field was unreadable or of the wrong type; nothing may run then. */
  readonly problem?: string;
}

/** The answer for absent options (most submits): one frozen object, nothing to allocate. */
const NO_OPTIONS: ReadOptions = Object.freeze({ options: Object.freeze({}) });

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Reads untrusted submit options. Never throws.
 * @example
 * readSubmitOptions({ approval: { approver: 42 } });
 * // → { options: {}, problem: 'approval.approver must be a non-empty string …' }
 */
export function readSubmitOptions(raw: unknown): ReadOptions {
  if (raw === undefined || raw === null) return NO_OPTIONS;
  try {
    if (typeof raw !== 'object' || Array.isArray(raw)) return { options: {}, problem: `options must be an object, got ${describeType(raw)}` };
    const o = raw as Record<string, unknown>;
    const key = o['idempotencyKey'];
    const signal = o['signal'];
    const approval = o['approval'];
    const hook = o['beforeExecute'];
    const history = o['history'];
    const decided = o['decided'];
    const out: { -readonly [K in keyof CheckedSubmitOptions]: CheckedSubmitOptions[K] } = {};
    // The key is kept even when another field is wrong, so the refusal's record names it.
    if (key !== undefined) {
      if (typeof key !== 'string' || key === '' || key.length > 256) {
        return { options: out, problem: 'idempotencyKey must be a non-empty string of at most 256 characters' };
      }
      out.idempotencyKey = key;
    }
    if (signal !== undefined) {
      if (types.isProxy(signal) || !(signal instanceof AbortSignal))
        return { options: out, problem: `signal must be an AbortSignal, got ${describeType(signal)}` };
      out.signal = signal;
    }
    if (hook !== undefined) {
      if (typeof hook !== 'function') return { options: out, problem: `beforeExecute must be a function, got ${describeType(hook)}` };
      out.beforeExecute = hook as NonNullable<CheckedSubmitOptions['beforeExecute']>;
    }
    if (history !== undefined) {
      const checked = readRunHistory(history);
      if (typeof checked === 'string') return { options: out, problem: checked };
      out.history = checked;
    }
    if (approval !== undefined) {
      const checked = readApproval(approval);
      if (typeof checked === 'string') return { options: out, problem: checked };
      out.approval = checked;
    }
    if (decided !== undefined) {
      const checked = readDecided(decided);
      if (typeof checked === 'string') return { options: out, problem: checked };
      out.decided = checked;
    }
    return { options: out };
  } catch {
    return { options: {}, problem: 'options could not be read (a property getter threw)' };
  }
}

function readApproval(raw: unknown): { approver: string; reason?: string; identity?: string } | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return `approval must be an object { approver, reason?, identity? }, got ${describeType(raw)}`;
  const { approver, reason, identity } = raw as Record<string, unknown>;
  if (typeof approver !== 'string' || approver.trim() === '' || approver.length > MAX_APPROVER_LENGTH || CONTROL_CHARS.test(approver)) {
    return `approval.approver must be a non-empty string of at most ${MAX_APPROVER_LENGTH} characters without control characters, got ${describeType(approver)}`;
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_APPROVAL_REASON_LENGTH)) {
    return `approval.reason must be a string of at most ${MAX_APPROVAL_REASON_LENGTH} characters, got ${describeType(reason)}`;
  }
  // Who Temporal says made the approving call (trusted callers set it from history).
  if (identity !== undefined && (typeof identity !== 'string' || identity.length > MAX_APPROVER_LENGTH || CONTROL_CHARS.test(identity))) {
    return `approval.identity must be a string of at most ${MAX_APPROVER_LENGTH} characters without control characters, got ${describeType(identity)}`;
  }
  return { approver, ...(reason !== undefined ? { reason } : {}), ...(identity !== undefined ? { identity } : {}) };
}

const EFFECTS: readonly string[] = ['allow', 'ask', 'deny'];

function readDecided(raw: unknown): DecidedBefore | string {
  const shape = 'decided must be an object { effect: "allow" | "ask" | "deny", target?: string, paramsHash?: string }';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || types.isProxy(raw)) return `${shape}, got ${describeType(raw)}`;
  const { effect, target, paramsHash } = raw as Record<string, unknown>;
  if (typeof effect !== 'string' || !EFFECTS.includes(effect)) return `${shape}; effect is ${describeType(effect)}`;
  if (target !== undefined && (typeof target !== 'string' || target === '' || target.length > 4096)) return `${shape}; target is ${describeType(target)}`;
  if (paramsHash !== undefined && (typeof paramsHash !== 'string' || paramsHash === '' || paramsHash.length > 128))
    return `${shape}; paramsHash is ${describeType(paramsHash)}`;
  return { effect: effect as DecidedBefore['effect'], ...(target !== undefined ? { target } : {}), ...(paramsHash !== undefined ? { paramsHash } : {}) };
}

/** A short type description that never calls user code. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (types.isProxy(value)) return 'a Proxy';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `a string of ${value.length} characters` : `a ${typeof value}`;
}
