/**
 * The policy module: parse → validate → compile → evaluate, all pure (only load.ts reads
 * the policy file). Explicit named re-exports; no `export *`.
 */
export {
  BuiltinAction,
  Effect,
  RuleKind,
  type CanonicalRequest,
  type Decision,
  type PolicyDocument,
  type PolicyOptions,
  type Rule,
  type RuleConstraint,
  type SourcePosition,
} from './types';
export { ProblemCode, formatProblem, sortProblems, type PolicyProblem } from './problem';
export { PolicyFileError, PolicyOptionsError, PolicyValidationError } from './errors';
export { parsePolicy, type ParsedPolicy } from './parse';
export { POLICY_VERSION, TOP_LEVEL_KEYS, validatePolicy } from './validate';
export { RULE_KEYS } from './validate-rule';
export { ALL_CONSTRAINT_KEYS, ARGS_REST, CONSTRAINT_KEYS, HTTP_METHODS } from './validate-constraint';
export { loadPolicyFile, loadPolicyText, readPolicySource } from './load';
export { BUILTIN_ACTIONS, RESERVED_NAMESPACES, TargetFamily, expandActionGlob, isActionGlob, knownActions, targetFamily } from './actions';
export { POLICY_SCHEMA_PATH, policySchema } from './schema';
export { CASE_KEYS, validateCases, type PolicyTestCase } from './cases';
export { runPolicyCases, type CaseResult } from './run-cases';
// Decision core (compile.ts, canonical.ts, evaluate.ts — written alongside this module).
export { compilePolicy, type CompiledPolicy } from './compile';
export { canonicalizeRequest, type CanonicalizeOptions } from './canonical';
export { evaluate, type PolicyDecision } from './evaluate';
export { InvalidParamsError, InvalidTargetError, PolicyCompileError } from './canonical-errors';
export { canonicalPath, resolveAgainst, type RealpathOfExisting } from './canonical-path';
export { canonicalUrl } from './canonical-url';
export { canonicalProgram } from './canonical-exec';
export { ruleById, type CompiledRule } from './compile';
export { evaluateLayered } from './layered';
export { explainRequest, formatExplanation, type Explanation } from './explain';
export { couldAllow } from './could-allow';
export { canonicalMcpTarget, isMcpServerName } from './canonical-mcp';
