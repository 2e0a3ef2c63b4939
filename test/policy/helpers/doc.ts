/**
 * Builds PolicyDocuments from compact literals, so decision tests do not depend on the
 * YAML loader: `policyDoc({ capabilities: [['fs.read', '/workspace/**']] })`.
 */
import { RuleKind, type PolicyDocument, type Rule, type RuleConstraint } from '../../../src/policy/types';

/** `[action, resource, constraint?, id?]` or an object with the same fields. */
export type RuleSpec =
  | readonly [action: string, resource: string, constraint?: RuleConstraint, id?: string]
  | { readonly id?: string; readonly action: string; readonly resource: string; readonly constraint?: RuleConstraint };

/** Rules per list, as in the YAML file. */
export interface DocSpec {
  readonly capabilities?: readonly RuleSpec[];
  readonly deny?: readonly RuleSpec[];
  readonly ask?: readonly RuleSpec[];
}

const LIST = { [RuleKind.Capability]: 'capabilities', [RuleKind.Deny]: 'deny', [RuleKind.Ask]: 'ask' } as const;

/** A PolicyDocument with generated ids `capabilities[0]`, `deny[1]`, … unless an id is given. */
export function policyDoc(spec: DocSpec, file = 'test.yaml'): PolicyDocument {
  const rules = (kind: RuleKind, specs: readonly RuleSpec[] = []): Rule[] =>
    specs.map((s, i) => {
      const o = Array.isArray(s) ? { action: s[0], resource: s[1], constraint: s[2], id: s[3] } : (s as Exclude<RuleSpec, readonly unknown[]>);
      return {
        id: o.id ?? `${LIST[kind]}[${i}]`,
        kind,
        action: o.action,
        resource: o.resource,
        constraint: o.constraint ?? {},
        position: { file, line: i + 1, col: 5 },
      };
    });
  return {
    file,
    hash: '0'.repeat(64),
    capabilities: rules(RuleKind.Capability, spec.capabilities),
    deny: rules(RuleKind.Deny, spec.deny),
    ask: rules(RuleKind.Ask, spec.ask),
  };
}
