/**
 * Errors of the policy module. Each carries a stable dotted `code`; check `code`
 * (or {@link hasErrorCode}), not `instanceof`, across process and sandbox boundaries.
 */
import { AgentOsError } from '../errors';
import { formatProblem, type PolicyProblem } from './problem';

/** Codes of the policy module's failures and verdicts (`Policy.*`), also those thrown by canonical-errors.ts. */
export const PolicyCode = {
  Invalid: 'Policy.Invalid',
  FileUnreadable: 'Policy.FileUnreadable',
  InvalidOptions: 'Policy.InvalidOptions',
  InvalidTarget: 'Policy.InvalidTarget',
  InvalidParams: 'Policy.InvalidParams',
  CompileFailed: 'Policy.CompileFailed',
  /** A DENIED verdict of the policy (a deny rule, or no capability). */
  Denied: 'Policy.Denied',
} as const;
export type PolicyCode = (typeof PolicyCode)[keyof typeof PolicyCode];

/**
 * A policy (or policy-test cases) file has at least one problem, so it was not loaded.
 * `problems` lists every problem found, in file order; the message renders them all.
 */
export class PolicyValidationError extends AgentOsError {
  readonly code = PolicyCode.Invalid;
  constructor(
    readonly file: string,
    readonly problems: readonly PolicyProblem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${file}: ${count}; nothing was loaded\n${problems.map(formatProblem).join('\n')}`);
  }
}

/** The policy file could not be read (missing, a directory, no permission). */
export class PolicyFileError extends AgentOsError {
  readonly code = PolicyCode.FileUnreadable;
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read policy file "${file}": ${reason}`, options);
  }
}

/**
 * {@link PolicyOptions} are wrong, e.g. an `extraActions` entry that is not a dotted
 * lower-case name or that claims a built-in namespace (`fs.`, `proc.`, `net.`).
 */
export class PolicyOptionsError extends AgentOsError {
  readonly code = PolicyCode.InvalidOptions;
  constructor(
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid policy option ${JSON.stringify(value)}: ${reason}`);
  }
}
