/**
 * The policy module: parse → validate → compile → evaluate, all pure (only load.ts reads
 * the policy file). Explicit named re-exports; no `export *`. Only what other modules use
 * (knip keeps this list honest).
 */
export {
  BuiltinAction,
  Effect,
  RuleKind,
  NetworkGrant,
  type CanonicalRequest,
  type Decision,
  type PolicyDocument,
  type PolicyOptions,
  type Rule,
  type RuleConstraint,
  type SourcePosition,
} from './types';
export { ProblemCode, type PolicyProblem } from './problem';
export { PolicyFileError, PolicyOptionsError, PolicyValidationError } from './errors';
export { parsePolicy } from './parse';
export { loadPolicyFile, loadPolicyText } from './load';
export { BUILTIN_ACTIONS } from './actions';
// Decision core (compile.ts, canonical.ts, evaluate.ts — written alongside this module).
export { compilePolicy, type CompiledPolicy } from './compile';
export { canonicalizeRequest, type CanonicalizeOptions } from './canonical';
export { evaluate, type PolicyDecision } from './evaluate';
export { InvalidTargetError, PolicyCompileError } from './canonical-errors';
export { canonicalPath } from './canonical-path';
export { evaluateLayered } from './layered';
export { HistoryLookup, historyEffects, type HistoryFacts } from './history';
export { couldAllow } from './could-allow';
export { compileGlob, matchGlob, type CompiledGlob } from './glob';
