/**
 * Validation of one rule of `capabilities:`, `deny:` or `ask:`.
 *
 * A rule is a mapping with `action` and `resource` (required), `id` and `constraint`
 * (optional). There is no `effect` key: the list a rule sits in decides its effect.
 * `id` is a word of letters, digits, `.`, `_`, `-` (it cannot collide with generated ids
 * such as `deny[2]`). `action` is a known action or an action glob (`fs.*`, only `*` as
 * wildcard) matching at least one known action; case matters. `resource` is a glob whose
 * form suits every action the rule covers (see validate-glob.ts).
 */
import { isScalar } from './yaml-lazy';
import { expandActionGlob, isActionGlob, isSimpleActionGlob, targetFamily } from './actions';
import type { NodeChecker, YamlNode } from './node-checker';
import { ProblemCode } from './problem';
import { didYouMean } from './suggest';
import { RuleKind, type Rule } from './types';
import { validateConstraint } from './validate-constraint';
import { globSyntaxIssue, targetFormIssue } from './validate-glob';
import { HISTORY_KEYS, validateHistory, type RequiresRef } from './validate-history';

/** The keys a rule mapping may have. */
const RULE_KEYS: readonly string[] = ['id', 'action', 'resource', 'constraint', ...HISTORY_KEYS];

/** The list name in the file for each rule kind (used for generated ids `deny[2]`). */
export const LIST_NAME: Readonly<Record<RuleKind, string>> = {
  [RuleKind.Capability]: 'capabilities',
  [RuleKind.Deny]: 'deny',
  [RuleKind.Ask]: 'ask',
};

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A validated rule plus the node of its author-written `id` (for duplicate checks). */
export interface RuleResult {
  readonly rule: Rule;
  readonly idNode?: YamlNode;
  /** The rule a `requires` names (checked against the whole file by validate.ts). */
  readonly requires?: RequiresRef;
}

function unknownRuleKeyHint(key: string): string | undefined {
  if (key === 'effect') return 'there is no `effect` key: the list decides the effect — move the rule under `capabilities:`, `deny:` or `ask:`';
  if (key === 'constraints') return 'did you mean "constraint"?';
  return undefined;
}

function validateAction(c: NodeChecker, node: YamlNode, keyNode: YamlNode, known: readonly string[]): { action?: string; covered: string[] } {
  const action = c.string(node, 'action', keyNode);
  if (action === undefined) return { covered: [] };
  if (action.trim() === '') {
    c.report(node, ProblemCode.EmptyGlob, 'empty action', `write an action such as ${known.slice(0, 3).join(', ')}`);
    return { covered: [] };
  }
  if (isActionGlob(action) && !isSimpleActionGlob(action)) {
    c.report(node, ProblemCode.BadGlob, `action glob "${action}" uses syntax other than *`, 'action globs may only use *, e.g. fs.*');
    return { covered: [] };
  }
  const covered = expandActionGlob(action, known);
  if (covered.length === 0) {
    const hint = didYouMean(action, known, `known actions: ${known.join(', ')}`);
    const what = isActionGlob(action) ? `action glob "${action}" matches no known action` : `unknown action "${action}"`;
    c.report(node, ProblemCode.UnknownAction, what, hint);
  }
  return { action, covered };
}

function validateResource(c: NodeChecker, node: YamlNode, keyNode: YamlNode, covered: readonly string[]): string | undefined {
  const resource = c.string(node, 'resource', keyNode);
  if (resource === undefined) return undefined;
  const syntax = globSyntaxIssue(resource);
  if (syntax !== undefined) {
    c.report(node, syntax.code, `resource: ${syntax.message}`, syntax.hint);
    return resource;
  }
  for (const family of new Set(covered.map(targetFamily))) {
    const form = targetFormIssue(family, resource);
    if (form === undefined) continue;
    const actions = covered.filter((a) => targetFamily(a) === family).join(', ');
    const message = covered.length > 1 ? `resource: ${form.message} (needed for ${actions})` : `resource: ${form.message}`;
    c.report(node, form.code, message, form.hint);
    break;
  }
  return resource;
}

/**
 * Validates the rule at `node`, the `index`-th entry of the list for `kind`. Problems go
 * to the checker; a rule is returned whenever `action` and `resource` could be read.
 */
export function validateRule(c: NodeChecker, node: YamlNode, kind: RuleKind, index: number, known: readonly string[]): RuleResult | undefined {
  const where = `${LIST_NAME[kind]}[${index}]`;
  const map = c.map(node, `rule ${where}`);
  if (map === undefined) return undefined;
  const entries = c.entries(map, RULE_KEYS, `rule ${where}`, unknownRuleKeyHint);
  for (const required of ['action', 'resource']) {
    if (!entries.has(required)) c.report(map, ProblemCode.MissingKey, `rule ${where} has no "${required}"`, `add \`${required}:\` to the rule`);
  }
  const actionEntry = entries.get('action');
  const { action, covered } = actionEntry ? validateAction(c, actionEntry.value, actionEntry.key, known) : { covered: [] };
  const resourceEntry = entries.get('resource');
  const resource = resourceEntry ? validateResource(c, resourceEntry.value, resourceEntry.key, covered) : undefined;
  const constraintEntry = entries.get('constraint');
  const constraint = constraintEntry ? validateConstraint(c, constraintEntry.key, constraintEntry.value, covered, kind) : {};
  const { history, requires } = validateHistory(c, entries, kind, covered);
  let id = where;
  const idEntry = entries.get('id');
  if (idEntry) {
    const written = c.string(idEntry.value, 'id', idEntry.key);
    if (written !== undefined && ID_PATTERN.test(written)) id = written;
    else if (written !== undefined)
      c.report(
        idEntry.value,
        ProblemCode.InvalidValue,
        `rule id "${written}" is not a plain word`,
        'use letters, digits, ".", "_" and "-", starting with a letter or digit',
      );
  }
  if (action === undefined || resource === undefined) return undefined;
  const { line, col } = c.parsed.lineCounter.linePos(map.range?.[0] ?? 0);
  const rule: Rule = { id, kind, action, resource, constraint, ...(history ? { history } : {}), position: { file: c.parsed.file, line, col } };
  const named = idEntry && isScalar(idEntry.value) && id !== where ? { idNode: idEntry.value } : {};
  return { rule, ...named, ...(requires ? { requires } : {}) };
}
