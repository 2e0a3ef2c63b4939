/**
 * Validation of a `params` constraint (semantics: params-constraint.ts). Every problem is
 * reported at its node with a hint; nothing is guessed:
 *
 * - keys are argument paths: words of `A-Z a-z 0-9 _ -` joined by `.` (`options.mode`);
 * - a string is a glob (checked like every policy glob); a number, boolean or null is an
 *   exact value; a list holds at least one such alternative;
 * - a mapping has only `match` (a value or list as above), `min`, `max` (finite numbers,
 *   `min` ≤ `max`) and `max_length` (a whole number ≥ 0), and at least one of them.
 */
import { isMap, isScalar, isSeq } from './yaml-lazy';
import type { NodeChecker, YamlNode } from './node-checker';
import { ProblemCode } from './problem';
import type { ParamCondition } from './types';
import { globSyntaxIssue } from './validate-glob';

/** The keys a condition mapping may have. */
export const PARAM_CONDITION_KEYS: readonly string[] = ['match', 'min', 'max', 'max_length'];

const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

type Scalar = string | number | boolean | null;

function alternative(c: NodeChecker, node: YamlNode, what: string): Scalar | undefined {
  if (!isScalar(node)) {
    c.wrongType(node, what, 'a string (glob), number, boolean or null', 'write one value; lists of alternatives cannot nest');
    return undefined;
  }
  const v = node.value;
  if (typeof v === 'string') {
    const problem = globSyntaxIssue(v);
    if (problem !== undefined) {
      c.report(node, problem.code, `${what}: ${problem.message}`, problem.hint);
      return undefined;
    }
    return v;
  }
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    c.report(node, ProblemCode.InvalidValue, `${what} is not a finite number`, 'write a finite number');
    return undefined;
  }
  if (typeof v === 'boolean' || v === null) return v;
  c.wrongType(node, what, 'a string (glob), number, boolean or null', 'write a plain value');
  return undefined;
}

function alternatives(c: NodeChecker, node: YamlNode, what: string): Scalar[] | undefined {
  if (!isSeq(node)) {
    const one = alternative(c, node, what);
    return one === undefined ? undefined : [one];
  }
  if (node.items.length === 0) {
    c.report(node, ProblemCode.InvalidValue, `${what} is an empty list, so no value can match`, 'list at least one value, or remove the condition');
    return undefined;
  }
  const out: Scalar[] = [];
  let bad = false;
  node.items.forEach((item, i) => {
    const v = alternative(c, item as YamlNode, `${what}[${i}]`);
    if (v === undefined) bad = true;
    else out.push(v);
  });
  return bad ? undefined : out;
}

function finite(c: NodeChecker, node: YamlNode, what: string): number | undefined {
  if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value)) return node.value;
  return c.wrongType(node, what, 'a number', 'write a number without quotes, e.g. 10', undefined);
}

function condition(c: NodeChecker, node: YamlNode, what: string): ParamCondition | undefined {
  if (!isMap(node)) {
    const match = alternatives(c, node, what);
    return match === undefined ? undefined : { match };
  }
  if (node.items.length === 0) {
    c.report(node, ProblemCode.InvalidValue, `${what} states no condition`, `write at least one of ${PARAM_CONDITION_KEYS.join(', ')}`);
    return undefined;
  }
  const entries = c.entries(node, PARAM_CONDITION_KEYS, what);
  if (entries.size === 0) return undefined;
  const out: { -readonly [K in keyof ParamCondition]?: ParamCondition[K] } = {};
  let bad = false;
  for (const [key, { key: k, value }] of entries) {
    if (key === 'match') {
      const match = alternatives(c, value, `${what}.match`);
      if (match === undefined) bad = true;
      else out.match = match;
    } else if (key === 'min' || key === 'max') {
      const n = finite(c, value, `${what}.${key}`);
      if (n === undefined) bad = true;
      else out[key] = n;
    } else {
      if (isScalar(value) && typeof value.value === 'number' && Number.isSafeInteger(value.value) && value.value >= 0) out.max_length = value.value;
      else {
        c.report(value ?? k, ProblemCode.InvalidValue, `${what}.max_length must be a whole number ≥ 0`, 'write e.g. 4096');
        bad = true;
      }
    }
  }
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
    c.report(node, ProblemCode.InvalidValue, `${what}: min ${out.min} is greater than max ${out.max}, so no value can match`, 'swap them, or remove one');
    bad = true;
  }
  return bad ? undefined : out;
}

/** Validates the mapping under `constraint.params`; returns it normalised, or undefined after reporting. */
export function validateParams(c: NodeChecker, node: YamlNode, keyNode: YamlNode): Readonly<Record<string, ParamCondition>> | undefined {
  const map = c.map(node, 'constraint.params', keyNode);
  if (map === undefined) return undefined;
  const out: Record<string, ParamCondition> = {};
  const seen = new Set<string>();
  for (const pair of map.items) {
    const key = pair.key as YamlNode;
    if (!isScalar(key) || typeof key.value !== 'string') {
      c.wrongType(key, 'a key in constraint.params', 'an argument path such as `path` or `options.mode`', 'write the argument name as a plain string', map);
      continue;
    }
    const path = key.value;
    if (seen.has(path)) continue;
    seen.add(path);
    if (!PATH.test(path)) {
      c.report(
        key,
        ProblemCode.InvalidValue,
        `"${path}" is not an argument path`,
        'write argument names joined by ".", e.g. `path` or `options.mode` (letters, digits, _ and -)',
      );
      continue;
    }
    const cond = condition(c, pair.value as YamlNode, `constraint.params.${path}`);
    if (cond !== undefined) Object.defineProperty(out, path, { value: cond, enumerable: true, writable: false, configurable: false });
  }
  if (seen.size === 0) {
    c.report(map, ProblemCode.InvalidValue, 'constraint.params is empty', 'name at least one argument, or remove `params`');
  }
  return out;
}
