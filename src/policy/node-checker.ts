/**
 * Typed reading of YAML nodes that records a positioned problem for everything wrong,
 * instead of stopping at the first. Shared by the policy and the cases validators.
 */
import type { Node, Pair, Scalar, YAMLMap } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from './yaml-lazy';
import type { ParsedPolicy } from './parse';
import { ProblemCode, type PolicyProblem } from './problem';
import { didYouMean } from './suggest';

/** A YAML value node, or null where YAML has no node (e.g. `key:` with nothing after it). */
export type YamlNode = Node | null | undefined;

/** A mapping entry whose key is a string. */
export interface Entry {
  readonly key: Scalar;
  readonly value: YamlNode;
}

/** Human name of a node's YAML type, for messages ("expected a string, found a number"). */
function kindOf(node: YamlNode): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing (null)';
    return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : 'a value';
  }
  return 'a value';
}

/** Collects problems with positions while reading one parsed file. */
export class NodeChecker {
  readonly problems: PolicyProblem[] = [];

  constructor(readonly parsed: ParsedPolicy) {}

  /** Records a problem at `node` (or at `fallback`, or the top of the file). */
  report(node: YamlNode, code: PolicyProblem['code'], message: string, hint: string, fallback?: YamlNode): void {
    const offset = node?.range?.[0] ?? fallback?.range?.[0] ?? 0;
    const { line, col } = this.parsed.lineCounter.linePos(offset);
    this.problems.push({ file: this.parsed.file, line, col, code, message, hint });
  }

  /** Records a type problem; aliases get their own explanation. Always returns undefined. */
  wrongType(node: YamlNode, what: string, expected: string, hint: string, fallback?: YamlNode): undefined {
    if (isAlias(node)) {
      this.report(node, ProblemCode.YamlSyntax, `${what}: YAML aliases (*name) are not supported in policy files`, 'write the value out in full', fallback);
    } else {
      this.report(node, ProblemCode.Type, `${what} must be ${expected}, found ${kindOf(node)}`, hint, fallback);
    }
    return undefined;
  }

  /** The node as a mapping, or undefined after reporting E_TYPE. */
  map(node: YamlNode, what: string, fallback?: YamlNode): YAMLMap | undefined {
    return isMap(node) ? node : this.wrongType(node, what, 'a mapping', `write ${what} as \`key: value\` lines`, fallback);
  }

  /** The node's items if it is a list, or undefined after reporting E_TYPE. */
  list(node: YamlNode, what: string, fallback?: YamlNode): YamlNode[] | undefined {
    if (isSeq(node)) return node.items as YamlNode[];
    const hint = node === null || (isScalar(node) && node.value === null) ? 'write `[]` for an empty list' : 'write a YAML list (`- item` lines or `[a, b]`)';
    return this.wrongType(node, what, 'a list', hint, fallback);
  }

  /** The node as a string, or undefined after reporting E_TYPE (numbers and booleans must be quoted). */
  string(node: YamlNode, what: string, fallback?: YamlNode): string | undefined {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    const scalar = isScalar(node) && (typeof node.value === 'number' || typeof node.value === 'boolean');
    const hint = scalar ? `quote it: "${String(node.source ?? node.value)}"` : 'write a string';
    return this.wrongType(node, what, 'a string', hint, fallback);
  }

  /** The node as a positive safe integer, or undefined after reporting. */
  positiveInt(node: YamlNode, what: string, fallback?: YamlNode): number | undefined {
    if (!isScalar(node) || typeof node.value !== 'number') {
      return this.wrongType(node, what, 'a positive integer', 'write a whole number without quotes, e.g. 1048576', fallback);
    }
    if (!Number.isSafeInteger(node.value) || node.value <= 0) {
      this.report(node, ProblemCode.InvalidValue, `${what} must be a positive integer, found ${node.value}`, 'write a whole number greater than 0', fallback);
      return undefined;
    }
    return node.value;
  }

  /** The node as a boolean, or undefined after reporting (`yes`/`no` are strings in YAML 1.2). */
  boolean(node: YamlNode, what: string, fallback?: YamlNode): boolean | undefined {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    return this.wrongType(node, what, 'true or false', 'write true or false without quotes', fallback);
  }

  /**
   * The string-keyed entries of a mapping. Unknown keys are reported with a
   * "did you mean" hint (or `unknownHint(key)` when it returns one); repeated keys are
   * skipped (the parser already reported them), so each key is read once.
   */
  entries(map: YAMLMap, allowed: readonly string[], where: string, unknownHint?: (key: string) => string | undefined): Map<string, Entry> {
    const result = new Map<string, Entry>();
    const seen = new Set<string>();
    for (const pair of map.items as Pair<unknown, unknown>[]) {
      const key = pair.key as YamlNode;
      const value = pair.value as YamlNode;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.wrongType(key, `a key in ${where}`, 'a plain string', 'use a plain word as key', map);
        continue;
      }
      if (seen.has(key.value)) continue;
      seen.add(key.value);
      if (!allowed.includes(key.value)) {
        const fallback = `${where} accepts only: ${allowed.join(', ')}`;
        const hint = unknownHint?.(key.value) ?? didYouMean(key.value, allowed, fallback);
        this.report(key, ProblemCode.UnknownKey, `unknown key "${key.value}" in ${where}`, hint);
        continue;
      }
      result.set(key.value, { key, value });
    }
    return result;
  }
}
