/**
 * Errors of the decision core (canonical targets and rule compilation). They live apart
 * from `errors.ts`, which belongs to the policy language (parse/validate/load).
 * Every class carries a stable dotted `code`; check `code`, not `instanceof`.
 */
import { AgentOsError } from '../errors';
import { PolicyCode } from './errors';

/**
 * A target cannot be judged: NUL or control characters, a relative path, a URL with
 * userinfo or a non-http(s) scheme, a program written as `./git`, and the like.
 * `target` is the offending value as given; `hint` says how to write it instead.
 */
export class InvalidTargetError extends AgentOsError {
  readonly code = PolicyCode.InvalidTarget;
  constructor(
    readonly target: string,
    readonly problem: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid target ${JSON.stringify(target)}: ${problem} (hint: ${hint})`, options);
  }
}

/**
 * A request parameter the policy judges has the wrong shape, e.g. `args` that is not a
 * list of strings or an HTTP method that is not a token.
 */
export class InvalidParamsError extends AgentOsError {
  readonly code = PolicyCode.InvalidParams;
  constructor(
    readonly param: string,
    readonly value: unknown,
    readonly hint: string,
  ) {
    super(`invalid parameter "${param}" = ${safeJson(value)}: ${hint}`);
  }
}

/**
 * A validated policy document could not be compiled: two rules share an id (decisions
 * name rules by id, so ids must be unique) or a glob does not compile.
 */
export class PolicyCompileError extends AgentOsError {
  readonly code = PolicyCode.CompileFailed;
  constructor(
    readonly ruleId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot compile rule ${ruleId}: ${reason}`, options);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
