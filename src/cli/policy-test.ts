/**
 * `agent-os policy test POLICY CASES [--json]`: runs a cases file (see src/policy/cases.ts)
 * against a policy. One line per case (`✓`/`✗`); on a mismatch, an expected/actual diff with
 * the policy's reason; then `N passed, M failed`. Exit 0 when all pass, 1 when any fails or
 * either file is invalid or unreadable, 2 for a malformed `--extra-action`.
 */
import type { Command } from 'commander';
import { jsonAliasOption, outputOption } from './conventions';
import { validateCases } from '../policy/cases';
import { readPolicySource } from '../policy/load';
import { parsePolicy } from '../policy/parse';
import { formatProblem, type PolicyProblem } from '../policy/problem';
import { runPolicyCases, type CaseResult } from '../policy/run-cases';
import { validatePolicy } from '../policy/validate';
import { collectExtraAction, reportCliError, type CliIo } from './policy-io';

interface TestOptions {
  readonly json?: boolean;
  readonly extraAction?: string[];
}

function describeDecision(effect: string, ruleId: string | undefined): string {
  return ruleId === undefined ? `${effect} (no rule: default deny)` : `${effect} by rule ${ruleId}`;
}

/** Human lines for one result: `✓ name`, or `✗ name` plus an indented expected/actual diff. */
export function formatCaseResult(r: CaseResult): string {
  const c = r.case;
  if (r.passed) return `✓ ${c.name}`;
  const expected = c.rule === undefined ? c.expect : `${c.expect} by rule ${c.rule}`;
  return [
    `✗ ${c.name}  (${c.position.file}:${c.position.line}:${c.position.col})`,
    `    request:  ${c.action} ${c.target}${Object.keys(c.params).length > 0 ? ` ${JSON.stringify(c.params)}` : ''}`,
    `    - expected: ${expected}`,
    `    + actual:   ${describeDecision(r.actual.effect, r.actual.ruleId)}`,
    `    reason:   ${r.actual.reason}`,
  ].join('\n');
}

function reportProblems(io: CliIo, json: boolean, file: string, problems: readonly PolicyProblem[]): number {
  if (json) io.out(`${JSON.stringify({ file, ok: false, problems })}\n`);
  else io.out(`${problems.map(formatProblem).join('\n')}\n${file}: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}\n`);
  return 1;
}

function runTest(io: CliIo, policyFile: string, casesFile: string, opts: TestOptions): number {
  const json = opts.json === true;
  const options = { extraActions: opts.extraAction ?? [] };
  let current = policyFile;
  try {
    const policy = validatePolicy(parsePolicy(readPolicySource(policyFile), policyFile), options);
    if (!policy.document) return reportProblems(io, json, policyFile, policy.problems);
    current = casesFile;
    const cases = validateCases(parsePolicy(readPolicySource(casesFile), casesFile), options);
    if (!cases.cases) return reportProblems(io, json, casesFile, cases.problems);
    const results = runPolicyCases(policy.document, cases.cases);
    const failed = results.filter((r) => !r.passed).length;
    const passed = results.length - failed;
    if (json) {
      const rows = results.map((r) => ({
        name: r.case.name,
        line: r.case.position.line,
        col: r.case.position.col,
        passed: r.passed,
        expected: { effect: r.case.expect, rule: r.case.rule ?? null },
        actual: { effect: r.actual.effect, rule: r.actual.ruleId ?? null, reason: r.actual.reason, target: r.actual.target },
        mismatches: r.mismatches,
      }));
      io.out(`${JSON.stringify({ policy: policyFile, cases: casesFile, ok: failed === 0, passed, failed, results: rows })}\n`);
    } else {
      io.out(`${results.map(formatCaseResult).join('\n')}\n${passed} passed, ${failed} failed\n`);
    }
    return failed === 0 ? 0 : 1;
  } catch (err) {
    return reportCliError(io, err, json, current);
  }
}

/** Adds `test` to the `policy` group. */
export function registerPolicyTestCommand(group: Command, io: CliIo): Command {
  return group
    .command('test')
    .description('run a cases file against a policy and show every mismatch')
    .argument('<policy>', 'policy YAML file')
    .argument('<cases>', 'cases YAML file (cases: [{ name, action, target, params?, expect, rule? }])')
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .option('--extra-action <name>', 'an action registered by a custom provider (repeatable)', collectExtraAction)
    .action((policyFile: string, casesFile: string, opts: TestOptions) => {
      io.setExitCode(runTest(io, policyFile, casesFile, opts));
    });
}
