/**
 * Validation of the history-aware keys of a rule (evaluation: history.ts):
 *
 * - `max_calls: N` — positive integer: the rule grants at most N actions per run.
 * - `requires: ID` or `requires: { rule: ID, same_target: true }` — the rule `ID` of the
 *   same file (a capability or ask rule, not this one) must have allowed an action earlier
 *   in the run; with `same_target`, on the same canonical target.
 *   `requires: { approval: true, same_target: true }` — a person must have approved an
 *   `ask` earlier in the run (on the same canonical target).
 * - `created_by_run: true` — `fs.delete` and `fs.write` only: the target must have been
 *   created by an `fs.write` of this run; a write may still create a new file (the provider
 *   then refuses to replace a file that appeared meanwhile).
 *
 * Only capabilities and ask rules may carry them (a deny rule is never used up or unlocked).
 * That a `requires` names an existing rule is checked over the whole file (validate.ts).
 */
import { isScalar } from './yaml-lazy';
import type { Entry, NodeChecker, YamlNode } from './node-checker';
import { ProblemCode } from './problem';
import { BuiltinAction, RuleKind, type RuleHistory, type RuleRequirement } from './types';

/** The history-aware rule keys. */
export const HISTORY_KEYS: readonly string[] = ['max_calls', 'requires', 'created_by_run'];

/** Actions `created_by_run` applies to. */
const CREATED_ACTIONS: readonly string[] = [BuiltinAction.FsWrite, BuiltinAction.FsDelete];

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

/** A validated `requires` naming a rule, with the node to report an unknown id at. */
export interface RequiresRef {
  readonly rule: string;
  readonly node: YamlNode;
}

/**
 * Validates the history keys among `entries` of a rule of `kind` covering `actions`.
 * Returns the keys (undefined when none) and the rule a `requires` names.
 */
export function validateHistory(
  c: NodeChecker,
  entries: ReadonlyMap<string, Entry>,
  kind: RuleKind,
  actions: readonly string[],
): { history?: RuleHistory; requires?: RequiresRef } {
  const present = HISTORY_KEYS.filter((k) => entries.has(k));
  if (present.length === 0) return {};
  if (kind === RuleKind.Deny) {
    for (const k of present) {
      c.report(
        (entries.get(k) as Entry).key,
        ProblemCode.InvalidValue,
        `"${k}" does not apply to a deny rule`,
        'history-aware keys limit a grant: put them on a capabilities or ask rule',
      );
    }
    return {};
  }
  const out: Mutable<RuleHistory> = {};
  let ref: RequiresRef | undefined;
  const max = entries.get('max_calls');
  if (max) {
    const n = c.positiveInt(max.value, 'max_calls', max.key);
    if (n !== undefined) out.max_calls = n;
  }
  const created = entries.get('created_by_run');
  if (created) {
    const b = c.boolean(created.value, 'created_by_run', created.key);
    const other = actions.filter((a) => !CREATED_ACTIONS.includes(a));
    if (b === false)
      c.report(created.value, ProblemCode.InvalidValue, 'created_by_run: false means nothing', 'remove the key, or write `created_by_run: true`');
    else if (other.length > 0)
      c.report(
        created.key,
        ProblemCode.ConstraintForAction,
        `created_by_run does not apply to ${other.join(', ')}`,
        'it applies to fs.write and fs.delete only',
      );
    else if (b === true) out.created_by_run = true;
  }
  const requires = entries.get('requires');
  if (requires) {
    const r = requirement(c, requires);
    if (r !== undefined) {
      out.requires = r.requirement;
      if (r.node !== undefined && 'rule' in r.requirement) ref = { rule: r.requirement.rule, node: r.node };
    }
  }
  return { ...(Object.keys(out).length > 0 ? { history: out } : {}), ...(ref ? { requires: ref } : {}) };
}

const REQUIRES_HINT = 'write `requires: RULE-ID`, `requires: { rule: RULE-ID, same_target: true }` or `requires: { approval: true }`';

function requirement(c: NodeChecker, { key, value }: Entry): { requirement: RuleRequirement; node?: YamlNode } | undefined {
  if (isScalar(value) && typeof value.value === 'string') return { requirement: { rule: value.value }, node: value };
  const map = c.map(value, 'requires', key);
  if (map === undefined) return undefined;
  const entries = c.entries(map, ['rule', 'approval', 'same_target'], 'requires');
  const rule = entries.get('rule');
  const approval = entries.get('approval');
  const same = entries.get('same_target');
  const sameTarget = same ? c.boolean(same.value, 'requires.same_target', same.key) : undefined;
  const st = sameTarget === true ? { same_target: true } : {};
  if ((rule === undefined) === (approval === undefined)) {
    c.report(map, ProblemCode.InvalidValue, 'requires names exactly one of "rule" and "approval"', REQUIRES_HINT);
    return undefined;
  }
  if (rule) {
    const id = c.string(rule.value, 'requires.rule', rule.key);
    return id === undefined ? undefined : { requirement: { rule: id, ...st }, node: rule.value };
  }
  const a = c.boolean((approval as Entry).value, 'requires.approval', (approval as Entry).key);
  if (a === false) c.report((approval as Entry).value, ProblemCode.InvalidValue, 'requires.approval: false means nothing', REQUIRES_HINT);
  return a === true ? { requirement: { approval: true, ...st } } : undefined;
}
