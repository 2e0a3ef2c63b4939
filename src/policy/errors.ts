/**
 * Errors of the policy module. Each carries a stable dotted `code`; check `code`
 * (or {@link hasErrorCode}), not `instanceof`, across process and sandbox boundaries.
 */
import { AgentOsError } from '../errors';
import { formatProblem, type PolicyProblem } from './problem';

/**
 * A policy (or policy-test cases) file has at least one problem, so it was not loaded.
 * `problems` lists every problem found, in file order; the message renders them all.
 */
export class PolicyValidationError extends AgentOsError {
  readonly code = 'Policy.Invalid';
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
  readonly code = 'Policy.FileUnreadable';
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
  readonly code = 'Policy.InvalidOptions';
  constructor(
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid policy option ${JSON.stringify(value)}: ${reason}`);
  }
}
