/**
 * Validation problems: what is wrong in a policy (or cases) file, where, and how to fix it.
 * Pure data plus one formatter; no I/O.
 */

/**
 * Stable problem codes. Part of the public API: tools may match on them, so never rename one.
 *
 * - `E_YAML_SYNTAX` — the file is not well-formed YAML (or uses a YAML feature we refuse: tags, aliases, several documents).
 * - `E_DUPLICATE_KEY` — a mapping repeats a key (YAML would silently keep the last one).
 * - `E_UNKNOWN_KEY` — a key the format does not define (including `effect`: put the rule under `deny:`/`ask:` instead).
 * - `E_MISSING_KEY` — a required key is absent (`action`, `resource`; at least one rule list).
 * - `E_TYPE` — a value has the wrong YAML type (e.g. a number where a string is expected).
 * - `E_INVALID_VALUE` — right type, wrong value (`version: 2`, `method: FETCH`, `max_bytes: 0`).
 * - `E_UNKNOWN_ACTION` — an action name (or action glob) that names no known action.
 * - `E_EMPTY_GLOB` — a glob that is empty or only whitespace.
 * - `E_BAD_GLOB` — a glob using refused syntax (regex-like groups, `!` negation, `..` segments, NUL ...).
 * - `E_RESOURCE_FORM` — a resource that can never match the targets of the rule's action (`/etc/**` for `net.http`).
 * - `E_CONSTRAINT_FOR_ACTION` — a constraint key not legal for every action the rule covers.
 * - `E_DUPLICATE_ID` — a rule `id` (or a case `name`) used twice.
 */
export const ProblemCode = {
  YamlSyntax: 'E_YAML_SYNTAX',
  DuplicateKey: 'E_DUPLICATE_KEY',
  UnknownKey: 'E_UNKNOWN_KEY',
  MissingKey: 'E_MISSING_KEY',
  Type: 'E_TYPE',
  InvalidValue: 'E_INVALID_VALUE',
  UnknownAction: 'E_UNKNOWN_ACTION',
  EmptyGlob: 'E_EMPTY_GLOB',
  BadGlob: 'E_BAD_GLOB',
  ResourceForm: 'E_RESOURCE_FORM',
  ConstraintForAction: 'E_CONSTRAINT_FOR_ACTION',
  DuplicateId: 'E_DUPLICATE_ID',
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

/** One thing wrong in a file. `line` and `col` are 1-based and point at the offending node. */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly code: ProblemCode;
  readonly message: string;
  /** How to fix it, in one sentence. */
  readonly hint: string;
}

/**
 * Renders a problem the way compilers do, so editors and terminals can jump to it.
 *
 * @example
 * formatProblem({ file: 'p.yaml', line: 3, col: 13, code: 'E_UNKNOWN_ACTION',
 *   message: 'unknown action "fs.wirte"', hint: 'did you mean "fs.write"?' });
 * // 'p.yaml:3:13: E_UNKNOWN_ACTION: unknown action "fs.wirte"\n    hint: did you mean "fs.write"?'
 */
export function formatProblem(p: PolicyProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.code}: ${p.message}\n    hint: ${p.hint}`;
}

/** Orders problems by position (then code) so reports read top to bottom. */
export function sortProblems(problems: readonly PolicyProblem[]): PolicyProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
}
