/**
 * Validation of a rule's `constraint` mapping. Which keys are legal depends on the action:
 *
 * | action            | keys |
 * |-------------------|------|
 * | fs.read, fs.write | `max_bytes` — positive integer, bytes read or written |
 * | fs.delete         | `recursive` — boolean; true allows removing a directory tree |
 * | fs.list           | none |
 * | proc.exec         | `args`, `deny_args`, `cwd`, `env`, `timeout_ms`, `network` |
 * | net.http          | `method`, `max_bytes` (response body bytes) |
 * | mcp.call          | `params` — conditions on the tool's arguments (validate-params.ts) |
 * | custom actions    | `params` — conditions on the request's params |
 *
 * A key must be legal for EVERY action the rule's action glob covers (`fs.*` cannot carry
 * `max_bytes`, because fs.delete and fs.list cannot). The same keys are legal in all three
 * lists: in `capabilities:`/`ask:` a constraint limits the grant; in `deny:` it describes
 * what is forbidden, and whatever a request leaves unstated counts as forbidden (evaluation
 * semantics: constraint.ts), so a condition narrows a deny but never makes it fail open.
 *
 * proc.exec semantics:
 * - `args` — positional list of globs: argument i must match glob i, and there must be
 *   exactly as many arguments as globs — unless the last entry is `**` (any further arguments, or none),
 *   which admits any number (zero or more) of further arguments; elsewhere `**` is one
 *   argument of any text. `args: []` allows no arguments. Absent `args` = any arguments (still subject to
 *   `deny_args`). Positional because meaning depends on position (`git push` ≠ `git status`).
 * - `deny_args` — globs no argument may match, wherever it appears (also among those admitted by a trailing `**`; for `--name=value` see arg-match.ts).
 * - `cwd` — absolute path glob the working directory must match.
 * - `env` — names (not globs) of environment variables that may be passed.
 * - `timeout_ms` — positive integer, the upper bound a request may ask for.
 * - `network` — `none` (the default) or `proxy`: the program's HTTP(S) egress goes through the
 *   kernel's auditing proxy, each connection judged by the `net.http` rules. A grant, not a
 *   condition: legal in `capabilities:` and `ask:` only (a deny rule refuses it with a hint).
 * net.http `method` — a string or list, case-insensitive, normalised to upper case; only
 * GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT.
 */
import { isSeq } from './yaml-lazy';
import { BuiltinAction, NetworkGrant, RuleKind, type RuleConstraint } from './types';
import type { NodeChecker, YamlNode } from './node-checker';
import { ProblemCode } from './problem';
import { TargetFamily } from './actions';
import { globSyntaxIssue, targetFormIssue } from './validate-glob';
import { closest } from './suggest';
import { validateParams } from './validate-params';

/** The constraint keys each built-in action accepts; actions not listed (custom ones) accept none. */
export const CONSTRAINT_KEYS: Readonly<Record<string, readonly string[]>> = {
  [BuiltinAction.FsRead]: ['max_bytes'],
  [BuiltinAction.FsWrite]: ['max_bytes'],
  [BuiltinAction.FsDelete]: ['recursive'],
  [BuiltinAction.FsList]: [],
  [BuiltinAction.ProcExec]: ['args', 'deny_args', 'cwd', 'env', 'timeout_ms', 'network'],
  [BuiltinAction.NetHttp]: ['method', 'max_bytes'],
  [BuiltinAction.McpCall]: ['params'],
};

/** The constraint keys custom providers' actions accept. */
export const CUSTOM_CONSTRAINT_KEYS: readonly string[] = ['params'];

/** The constraint keys `action` accepts (custom actions: {@link CUSTOM_CONSTRAINT_KEYS}). */
export function constraintKeysOf(action: string): readonly string[] {
  return CONSTRAINT_KEYS[action] ?? CUSTOM_CONSTRAINT_KEYS;
}

/** Every constraint key of any action. */
export const ALL_CONSTRAINT_KEYS: readonly string[] = [...new Set([...Object.values(CONSTRAINT_KEYS).flat(), ...CUSTOM_CONSTRAINT_KEYS])];

/** The HTTP methods `method` accepts (upper case). */
const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

type Mutable<T> = { -readonly [K in keyof T]?: T[K] };

function globList(c: NodeChecker, node: YamlNode, fallback: YamlNode, what: string): string[] | undefined {
  const items = c.list(node, what, fallback);
  if (items === undefined) return undefined;
  const out: string[] = [];
  items.forEach((item, i) => {
    const value = c.string(item, `${what}[${i}]`, node);
    if (value === undefined) return;
    const problem = globSyntaxIssue(value);
    if (problem !== undefined) c.report(item, problem.code, `${what}[${i}]: ${problem.message}`, problem.hint);
    out.push(value);
  });
  return out;
}

function methods(c: NodeChecker, node: YamlNode, fallback: YamlNode): string[] | undefined {
  const items = isSeq(node) ? (node.items as YamlNode[]) : [node];
  if (isSeq(node) && items.length === 0) {
    c.report(node, ProblemCode.InvalidValue, 'constraint.method is an empty list, so the rule allows nothing', 'list at least one method, or remove the rule');
    return undefined;
  }
  const out = new Set<string>();
  for (const item of items) {
    const value = c.string(item, 'constraint.method', fallback);
    if (value === undefined) continue;
    const upper = value.toUpperCase();
    if (HTTP_METHODS.includes(upper)) out.add(upper);
    else c.report(item, ProblemCode.InvalidValue, `"${value}" is not an HTTP method`, `use one of ${HTTP_METHODS.join(', ')}`);
  }
  return [...out];
}

function envNames(c: NodeChecker, node: YamlNode, fallback: YamlNode): string[] | undefined {
  const items = c.list(node, 'constraint.env', fallback);
  if (items === undefined) return undefined;
  const out: string[] = [];
  items.forEach((item, i) => {
    const value = c.string(item, `constraint.env[${i}]`, node);
    if (value === undefined) return;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) out.push(value);
    else
      c.report(
        item,
        ProblemCode.InvalidValue,
        `"${value}" is not an environment variable name`,
        'write the exact name (letters, digits, _); globs are not accepted here',
      );
  });
  return out;
}

function cwdGlob(c: NodeChecker, node: YamlNode, fallback: YamlNode): string | undefined {
  const value = c.string(node, 'constraint.cwd', fallback);
  if (value === undefined) return undefined;
  const problem = globSyntaxIssue(value) ?? targetFormIssue(TargetFamily.Path, value);
  if (problem !== undefined) c.report(node, problem.code, `constraint.cwd: ${problem.message}`, problem.hint);
  return value;
}

const NETWORK_GRANTS: readonly string[] = Object.values(NetworkGrant);

function networkGrant(c: NodeChecker, node: YamlNode, fallback: YamlNode, kind: RuleKind | undefined): NetworkGrant | undefined {
  const value = c.string(node, 'constraint.network', fallback);
  if (value === undefined) return undefined;
  if (!NETWORK_GRANTS.includes(value)) {
    c.report(
      node,
      ProblemCode.InvalidValue,
      `constraint.network "${value}" is not a network grant`,
      'write `network: proxy` (HTTP(S) through the auditing proxy, each connection judged by the net.http rules) or `network: none`',
    );
    return undefined;
  }
  if (kind === RuleKind.Deny) {
    c.report(
      fallback,
      ProblemCode.ConstraintForAction,
      'constraint "network" grants network and has no meaning in a deny rule',
      'remove it here; a program gets network only from a capabilities/ask rule with `network: proxy`, and its connections are judged by the net.http rules (deny hosts there)',
    );
    return undefined;
  }
  return value as NetworkGrant;
}

/**
 * Validates `constraint` for a rule covering `actions` (empty when the action itself was
 * invalid: then only the value types are checked) in the list of `kind`. Returns the
 * normalised constraint.
 */
export function validateConstraint(c: NodeChecker, keyNode: YamlNode, node: YamlNode, actions: readonly string[], kind?: RuleKind): RuleConstraint {
  const map = c.map(node, 'constraint', keyNode);
  if (map === undefined) return {};
  const out: Mutable<RuleConstraint> = {};
  const unknownHint = (key: string): string | undefined => {
    if (closest(key, ALL_CONSTRAINT_KEYS) !== undefined || actions.length === 0) return undefined;
    const legal = [...new Set(actions.flatMap((a) => constraintKeysOf(a)))];
    return legal.length > 0 ? `constraint keys for ${actions.join(', ')}: ${legal.join(', ')}` : `${actions.join(', ')} takes no constraint`;
  };
  for (const [key, { key: k, value }] of c.entries(map, ALL_CONSTRAINT_KEYS, 'constraint', unknownHint)) {
    const illegal = actions.filter((a) => !constraintKeysOf(a).includes(key));
    if (illegal.length > 0) {
      const legal = actions.filter((a) => !illegal.includes(a));
      const owners = Object.keys(CONSTRAINT_KEYS).filter((a) => CONSTRAINT_KEYS[a]?.includes(key));
      if (CUSTOM_CONSTRAINT_KEYS.includes(key)) owners.push('custom actions');
      const hint = legal.length > 0 ? `narrow the action to ${legal.join(' or ')}, or split the rule in two` : `"${key}" applies only to ${owners.join(', ')}`;
      c.report(k, ProblemCode.ConstraintForAction, `constraint "${key}" does not apply to ${illegal.join(', ')}`, hint);
      continue;
    }
    if (key === 'max_bytes' || key === 'timeout_ms') {
      const n = c.positiveInt(value, `constraint.${key}`, k);
      if (n !== undefined) out[key] = n;
    } else if (key === 'recursive') {
      const b = c.boolean(value, 'constraint.recursive', k);
      if (b !== undefined) out.recursive = b;
    } else if (key === 'args' || key === 'deny_args') {
      const list = globList(c, value, k, `constraint.${key}`);
      if (list !== undefined) out[key] = list;
    } else if (key === 'cwd') {
      const glob = cwdGlob(c, value, k);
      if (glob !== undefined) out.cwd = glob;
    } else if (key === 'env') {
      const names = envNames(c, value, k);
      if (names !== undefined) out.env = names;
    } else if (key === 'method') {
      const list = methods(c, value, k);
      if (list !== undefined) out.method = list;
    } else if (key === 'params') {
      const params = validateParams(c, value, k);
      if (params !== undefined) out.params = params;
    } else if (key === 'network') {
      const grant = networkGrant(c, value, k, kind);
      if (grant !== undefined) out.network = grant;
    }
  }
  return out;
}
