/**
 * Stage 2 of the policy pipeline: parsed YAML → a {@link PolicyDocument}, or every problem.
 *
 * File format (see schema.json for the editor view):
 * - `version` — optional; only `1` is accepted (absent means 1).
 * - `capabilities`, `deny`, `ask` — lists of rules (see validate-rule.ts). Each is optional
 *   but at least one must be present (write `capabilities: []` to deny everything on purpose);
 *   a present list must be a list (`deny:` with nothing after it is an error, not "no denies").
 * - Any other key is an error. Rule ids are the author's `id` (unique across the file) or
 *   generated from the position: `capabilities[0]`, `deny[2]`, `ask[1]`.
 * Validation fails closed: a document is returned only when there is no problem at all.
 */
import { isScalar } from './yaml-lazy';
import { knownActions } from './actions';
import { NodeChecker, type YamlNode } from './node-checker';
import type { ParsedPolicy } from './parse';
import { ProblemCode, sortProblems, type PolicyProblem } from './problem';
import { RuleKind, type PolicyDocument, type PolicyOptions, type Rule } from './types';
import { LIST_NAME, validateRule, type RuleResult } from './validate-rule';
import { didYouMean } from './suggest';

/** The keys a policy file may have at the top level. */
const TOP_LEVEL_KEYS: readonly string[] = ['version', 'capabilities', 'deny', 'ask'];

/** The only policy format version this release understands. */
const POLICY_VERSION = 1;

function topLevelHint(key: string): string | undefined {
  if (key === 'allow' || key === 'rules' || key === 'permissions') return 'allow rules go under `capabilities:`; the other lists are `deny:` and `ask:`';
  return undefined;
}

function checkVersion(c: NodeChecker, node: YamlNode, keyNode: YamlNode): void {
  if (!isScalar(node) || typeof node.value !== 'number') {
    c.wrongType(node, 'version', 'the number 1', 'write `version: 1` (without quotes)', keyNode);
  } else if (node.value !== POLICY_VERSION) {
    c.report(node, ProblemCode.InvalidValue, `unsupported policy version ${node.value}`, `this release understands version ${POLICY_VERSION} only`);
  }
}

/**
 * Validates a parsed policy and collects EVERY problem (syntax problems from the parser
 * included). `document` is present only when `problems` is empty.
 *
 * @throws {PolicyOptionsError} only for invalid `options` (never for policy content).
 * @example
 * const { document, problems } = validatePolicy(parsePolicy(text, 'policy.yaml'));
 * if (!document) console.error(problems.map(formatProblem).join('\n'));
 */
export function validatePolicy(parsed: ParsedPolicy, options?: PolicyOptions): { document?: PolicyDocument; problems: PolicyProblem[] } {
  const known = knownActions(options);
  if (parsed.fatal) return { problems: sortProblems(parsed.problems) };
  const c = new NodeChecker(parsed);
  const lists: Record<RuleKind, Rule[]> = { capability: [], deny: [], ask: [] };
  const root = parsed.document.contents as YamlNode;
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    c.report(root, ProblemCode.MissingKey, 'the policy file is empty', 'add a `capabilities:` list (and optionally `deny:` and `ask:`)');
  } else {
    const map = c.map(root, 'the policy file');
    const entries = map ? c.entries(map, TOP_LEVEL_KEYS, 'the policy file', topLevelHint) : new Map();
    const version = entries.get('version');
    if (version) checkVersion(c, version.value, version.key);
    if (map && ![RuleKind.Capability, RuleKind.Deny, RuleKind.Ask].some((k) => entries.has(LIST_NAME[k]))) {
      c.report(
        map,
        ProblemCode.MissingKey,
        'the policy has none of `capabilities`, `deny`, `ask`',
        'add a `capabilities:` list; write `capabilities: []` to deny everything on purpose',
      );
    }
    const ids = new Map<string, YamlNode>();
    const requires: { rule: Rule; ref: NonNullable<RuleResult['requires']> }[] = [];
    for (const kind of [RuleKind.Capability, RuleKind.Deny, RuleKind.Ask]) {
      const entry = entries.get(LIST_NAME[kind]);
      if (!entry) continue;
      const items = c.list(entry.value, `\`${LIST_NAME[kind]}\``, entry.key);
      items?.forEach((item, index) => {
        const result = validateRule(c, item, kind, index, known);
        if (!result) return;
        const first = ids.get(result.rule.id);
        if (first !== undefined) {
          const at = c.parsed.lineCounter.linePos(first?.range?.[0] ?? 0);
          c.report(
            result.idNode,
            ProblemCode.DuplicateId,
            `rule id "${result.rule.id}" is already used`,
            `ids must be unique; the first use is at line ${at.line}`,
          );
        } else if (result.idNode !== undefined) {
          ids.set(result.rule.id, result.idNode);
        }
        lists[kind].push(result.rule);
        if (result.requires) requires.push({ rule: result.rule, ref: result.requires });
      });
    }
    checkRequires(c, requires, lists);
  }
  const problems = sortProblems([...parsed.problems, ...c.problems]);
  if (problems.length > 0) return { problems };
  const document: PolicyDocument = {
    file: parsed.file,
    version: POLICY_VERSION,
    hash: parsed.hash,
    capabilities: lists.capability,
    deny: lists.deny,
    ask: lists.ask,
  };
  return { document, problems };
}

/** Each `requires: { rule }` names another capability or ask rule of the same file. */
function checkRequires(c: NodeChecker, requires: readonly { rule: Rule; ref: NonNullable<RuleResult['requires']> }[], lists: Record<RuleKind, Rule[]>): void {
  const granting = [...lists.capability, ...lists.ask].map((r) => r.id);
  const denying = new Set(lists.deny.map((r) => r.id));
  for (const { rule, ref } of requires) {
    if (ref.rule === rule.id) {
      c.report(
        ref.node,
        ProblemCode.InvalidValue,
        `rule "${rule.id}" requires itself, so it can never allow anything`,
        'name another rule, or remove `requires`',
      );
    } else if (denying.has(ref.rule)) {
      c.report(ref.node, ProblemCode.InvalidValue, `requires names deny rule "${ref.rule}", which never allows an action`, 'name a capabilities or ask rule');
    } else if (!granting.includes(ref.rule)) {
      c.report(
        ref.node,
        ProblemCode.InvalidValue,
        `requires names rule "${ref.rule}", which is not in this file`,
        didYouMean(ref.rule, granting, `rule ids here: ${granting.join(', ') || 'none'}`),
      );
    }
  }
}
