/**
 * Running policy test cases: canonicalizeRequest → evaluate on the compiled policy, and a
 * comparison of the decision with what each case expects. Pure; no I/O.
 */
import { canonicalizeRequest } from './canonical';
import { compilePolicy } from './compile';
import { evaluate } from './evaluate';
import type { PolicyTestCase } from './cases';
import { Effect, type Decision, type PolicyDocument } from './types';

/** The outcome of one case. `mismatches` is empty exactly when `passed`. */
export interface CaseResult {
  readonly case: PolicyTestCase;
  /** What the policy decided (a request that cannot be canonicalised is a deny). */
  readonly actual: Decision;
  readonly passed: boolean;
  /** One line per disagreement, e.g. `effect: expected deny, got allow`. */
  readonly mismatches: readonly string[];
}

function decide(policy: ReturnType<typeof compilePolicy>, testCase: PolicyTestCase): Decision {
  try {
    const request = canonicalizeRequest({ action: testCase.action, target: testCase.target, params: testCase.params });
    // An absolute program's bare name, as the process provider also finds (its PATH lookups are not made here: cases stay machine-independent).
    const slash = request.action === 'proc.exec' ? request.target.lastIndexOf('/') : -1;
    return evaluate(policy, slash < 0 ? request : { ...request, aliases: [request.target.slice(slash + 1)] });
  } catch (err) {
    // The kernel refuses requests it cannot canonicalise, so a case sees them as denied.
    const reason = err instanceof Error ? err.message : String(err);
    return { effect: Effect.Deny, reason: `request refused before evaluation: ${reason}`, target: testCase.target };
  }
}

/**
 * Runs every case against `document` (compiled once).
 *
 * @throws whatever {@link compilePolicy} throws (`Policy.CompileFailed`) for a document it cannot compile.
 * @example
 * const results = runPolicyCases(loadPolicyFile('policy.yaml'), cases);
 * const failed = results.filter((r) => !r.passed);
 */
export function runPolicyCases(document: PolicyDocument, cases: readonly PolicyTestCase[]): CaseResult[] {
  const policy = compilePolicy(document);
  return cases.map((testCase) => {
    const actual = decide(policy, testCase);
    const mismatches: string[] = [];
    if (actual.effect !== testCase.expect) mismatches.push(`effect: expected ${testCase.expect}, got ${actual.effect}`);
    if (testCase.rule !== undefined && actual.ruleId !== testCase.rule) {
      mismatches.push(`rule: expected ${testCase.rule}, got ${actual.ruleId ?? '(none: default deny)'}`);
    }
    return { case: testCase, actual, passed: mismatches.length === 0, mismatches };
  });
}
