/**
 * Policy test cases (`agent-os policy test POLICY CASES`): a YAML file that keeps a
 * policy's intent under test, like `opa test`. Validated with positions like a policy.
 *
 * ```yaml
 * cases:
 *   - name: reads in the workspace are allowed   # required, unique
 *     action: fs.read                            # required, a known action (no globs)
 *     target: /workspace/data.csv                # required, as an agent would write it
 *     params: { bytes: 1024 }                    # optional mapping, passed to the request
 *     expect: allow                              # required: allow | deny | ask
 *     rule: read-workspace                       # optional: the id of the deciding rule
 * ```
 */
import { isScalar } from './yaml-lazy';
import { knownActions } from './actions';
import { NodeChecker } from './node-checker';
import type { ParsedPolicy } from './parse';
import { ProblemCode, sortProblems, type PolicyProblem } from './problem';
import { didYouMean } from './suggest';
import { Effect, type PolicyOptions, type SourcePosition } from './types';

/** One expectation about one request. */
export interface PolicyTestCase {
  readonly name: string;
  readonly action: string;
  readonly target: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly expect: Effect;
  /** Expected id of the deciding rule, if the case pins it. */
  readonly rule?: string;
  readonly position: SourcePosition;
}

/** The keys a case may have. */
const CASE_KEYS: readonly string[] = ['name', 'action', 'target', 'params', 'expect', 'rule'];

const EFFECTS: readonly string[] = Object.values(Effect);

/**
 * Validates a parsed cases file, collecting every problem. `cases` is present only when
 * there is no problem. Actions must be known (built-ins plus `options.extraActions`).
 *
 * @example
 * const { cases, problems } = validateCases(parsePolicy(text, 'cases.yaml'));
 */
export function validateCases(parsed: ParsedPolicy, options?: PolicyOptions): { cases?: PolicyTestCase[]; problems: PolicyProblem[] } {
  const known = knownActions(options);
  if (parsed.fatal) return { problems: sortProblems(parsed.problems) };
  const c = new NodeChecker(parsed);
  const out: PolicyTestCase[] = [];
  const root = c.map(parsed.document.contents, 'the cases file');
  const top = root ? c.entries(root, ['cases'], 'the cases file') : undefined;
  const list = top?.get('cases');
  if (root && !list) c.report(root, ProblemCode.MissingKey, 'the cases file has no `cases:` list', 'add `cases:` with one entry per request');
  const items = list ? c.list(list.value, '`cases`', list.key) : undefined;
  const names = new Map<string, number>();
  items?.forEach((item, index) => {
    const where = `case cases[${index}]`;
    const map = c.map(item, where);
    if (!map) return;
    const e = c.entries(map, CASE_KEYS, where);
    for (const required of ['name', 'action', 'target', 'expect']) {
      if (!e.has(required)) c.report(map, ProblemCode.MissingKey, `${where} has no "${required}"`, `add \`${required}:\``);
    }
    const read = (key: string): string | undefined => {
      const entry = e.get(key);
      return entry ? c.string(entry.value, key, entry.key) : undefined;
    };
    const name = read('name');
    const action = read('action');
    const target = read('target');
    const expect = read('expect');
    const rule = read('rule');
    const at = c.parsed.lineCounter.linePos(map.range?.[0] ?? 0);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined)
        c.report(
          e.get('name')?.value,
          ProblemCode.DuplicateId,
          `case name "${name}" is already used`,
          `names must be unique; the first use is at line ${first}`,
        );
      else names.set(name, at.line);
    }
    if (action !== undefined && !known.includes(action)) {
      c.report(
        e.get('action')?.value,
        ProblemCode.UnknownAction,
        `unknown action "${action}"`,
        didYouMean(action, known, `known actions: ${known.join(', ')}`),
      );
    }
    if (expect !== undefined && !EFFECTS.includes(expect)) {
      c.report(
        e.get('expect')?.value,
        ProblemCode.InvalidValue,
        `expect must be one of ${EFFECTS.join(', ')}, found "${expect}"`,
        didYouMean(expect, EFFECTS, `write ${EFFECTS.join(', ')}`),
      );
    }
    const paramsEntry = e.get('params');
    const paramsMap = paramsEntry ? c.map(paramsEntry.value, 'params', paramsEntry.key) : undefined;
    const params = paramsMap ? (paramsMap.toJS(parsed.document) as Record<string, unknown>) : {};
    if (name === undefined || action === undefined || target === undefined || expect === undefined || (paramsEntry && !paramsMap)) return;
    const base = { name, action, target, params, expect: expect as Effect, position: { file: parsed.file, line: at.line, col: at.col } };
    out.push(rule !== undefined && isScalar(e.get('rule')?.value) ? { ...base, rule } : base);
  });
  const problems = sortProblems([...parsed.problems, ...c.problems]);
  return problems.length > 0 ? { problems } : { cases: out, problems };
}
