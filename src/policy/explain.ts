/**
 * Explaining a decision to a person: which effect, which rule (with its source position),
 * why, and the canonical target that was judged next to the target as written.
 * Used by `agent-os policy explain`; pure apart from the `realpathOfExisting` a caller passes.
 */
import { canonicalizeRequest, type CanonicalizeOptions } from './canonical';
import { InvalidParamsError, InvalidTargetError } from './canonical-errors';
import { ruleById, type CompiledPolicy } from './compile';
import { evaluate, type PolicyDecision } from './evaluate';
import { evaluateLayered } from './layered';
import type { HistoryLookup } from './history';
import { Effect, type CanonicalRequest, type Rule } from './types';

/**
 * Explaining against a recorded run (`policy explain --history`): the run's own policy
 * layered under the explained one as at run time, and the run state history-aware rules
 * are judged from.
 */
export interface ExplainRun {
  readonly narrow?: readonly CompiledPolicy[];
  readonly history: HistoryLookup;
}

/** Everything `policy explain` shows, as data (this is also its `--json` shape). */
export interface Explanation {
  readonly action: string;
  /** The target as written. */
  readonly input: string;
  readonly decision: PolicyDecision;
  /** The deciding rule, absent for the default deny and for invalid targets. */
  readonly rule?: Rule;
  /** Other names of the target that deny and ask rules matched too (a program's, when the caller found them). */
  readonly aliases?: readonly string[];
  /** Set when the target or params could not be canonicalised (the decision is then a deny). */
  readonly invalid?: { readonly code: string; readonly message: string; readonly hint: string };
}

/**
 * Canonicalises and evaluates one request, and gathers what explains the result.
 * Never throws on user data: an invalid target becomes a deny that says why.
 *
 * @example
 * explainRequest(policy, { action: 'fs.read', target: '/workspace/../etc/passwd' }).decision.target; // '/etc/passwd'
 */
export function explainRequest(
  policy: CompiledPolicy,
  request: { action: string; target: string; params?: Readonly<Record<string, unknown>> },
  options?: CanonicalizeOptions,
  run?: ExplainRun,
  aliasesOf?: (canonical: CanonicalRequest) => readonly string[],
): Explanation {
  let canonical;
  try {
    canonical = canonicalizeRequest(request, options);
  } catch (err) {
    if (!(err instanceof InvalidTargetError || err instanceof InvalidParamsError)) throw err;
    const problem = err instanceof InvalidTargetError ? err.problem : err.message;
    const decision: PolicyDecision = { effect: Effect.Deny, reason: `invalid target for ${request.action}: ${problem}`, target: request.target };
    return { action: request.action, input: request.target, decision, invalid: { code: err.code, message: err.message, hint: err.hint } };
  }
  const aliases = aliasesOf?.(canonical) ?? [];
  const judged: CanonicalRequest = aliases.length === 0 ? canonical : { ...canonical, aliases };
  const layers = [policy, ...(run?.narrow ?? [])];
  const decision = run === undefined ? evaluate(policy, judged) : evaluateLayered(layers, judged, run.history);
  const id = decision.ruleId;
  const rule = id === undefined ? undefined : layers.map((p) => ruleById(p, id)?.rule).find((r) => r !== undefined);
  return { action: request.action, input: request.target, decision, ...(aliases.length > 0 ? { aliases } : {}), ...(rule === undefined ? {} : { rule }) };
}

/**
 * Human text for an explanation, e.g.
 * ```
 * DENY fs.read /workspace/../etc/passwd
 *   reason: no capability allows fs.read on /etc/passwd
 *   target: /etc/passwd (canonical; written as /workspace/../etc/passwd)
 *   rule:   none (default deny)
 * ```
 */
export function formatExplanation(e: Explanation): string {
  const d = e.decision;
  const lines = [`${d.effect.toUpperCase()} ${e.action} ${e.input}`, `  reason: ${d.reason}`];
  if (e.invalid !== undefined) lines.push('  target: none (the target could not be put in canonical form)');
  else lines.push(d.target === e.input ? `  target: ${d.target} (canonical)` : `  target: ${d.target} (canonical; written as ${e.input})`);
  if (e.aliases !== undefined) lines.push(`  names:  ${e.aliases.join(', ')} (deny and ask rules match these too)`);
  if (e.invalid !== undefined) lines.push(`  error:  ${e.invalid.code}`, `  hint:   ${e.invalid.hint}`);
  else if (e.rule === undefined) lines.push('  rule:   none (default deny)');
  else {
    const r = e.rule;
    const where = `${r.position.file}:${r.position.line}:${r.position.col}`;
    lines.push(`  rule:   ${r.id} (${r.kind}, ${where}): ${r.action} ${r.resource}`);
    if (Object.keys(r.constraint).length > 0) lines.push(`  constraint: ${JSON.stringify(r.constraint)}`);
    if (r.history !== undefined) lines.push(`  history keys: ${JSON.stringify(r.history)}`);
  }
  return lines.join('\n');
}
