/**
 * Loads a YAML or JSON file (JSON is YAML) and validates it against a JSON Schema with ajv;
 * every problem is reported as `file:line:col: CODE: message` with a hint, pointing at the
 * offending node. Used for `worker --config` and `--model scripted:FILE`.
 */
import fs from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import type { Node } from 'yaml';
import { parsePolicy } from '../policy/parse';
import { formatProblem, ProblemCode, sortProblems, type PolicyProblem } from '../policy/problem';
import { CliError, ExitCode } from './conventions';

const ajv = new Ajv({ allErrors: true, strict: false });

function codeOf(error: ErrorObject): ProblemCode {
  if (error.keyword === 'additionalProperties') return ProblemCode.UnknownKey;
  if (error.keyword === 'required') return ProblemCode.MissingKey;
  if (error.keyword === 'type') return ProblemCode.Type;
  return ProblemCode.InvalidValue;
}

function messageOf(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the file' : error.instancePath;
  if (error.keyword === 'additionalProperties')
    return `${where}: unknown key "${String((error.params as { additionalProperty?: unknown }).additionalProperty)}"`;
  if (error.keyword === 'enum')
    return `${where}: must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where}: ${error.message ?? 'invalid'}`;
}

/**
 * Reads, parses and validates `file`.
 * @param hint one sentence on where the format is described (added to every problem).
 * @throws CliError (exit 2) naming the path when the file cannot be read, or listing every problem.
 */
export function loadSchemaFile<T>(file: string, schema: object, hint: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new CliError(code === 'ENOENT' ? `no such file: ${file} — check the path` : `cannot read ${file}: ${(err as Error).message}`, ExitCode.Usage, {
      cause: err,
    });
  }
  const parsed = parsePolicy(text, file);
  let problems: PolicyProblem[] = [...parsed.problems];
  let value: unknown;
  if (!parsed.fatal) {
    value = parsed.document.toJS();
    const validate = ajv.compile(schema);
    if (!validate(value)) {
      for (const error of validate.errors ?? []) {
        // `additionalProperties` and `required` point at the mapping; the others at the value itself.
        const segments = error.instancePath
          .split('/')
          .slice(1)
          .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
        let node = (segments.length === 0 ? parsed.document.contents : parsed.document.getIn(segments, true)) as Node | undefined;
        if (error.keyword === 'additionalProperties') {
          const key = (error.params as { additionalProperty?: string }).additionalProperty;
          const pair = (node as unknown as { items?: Array<{ key?: Node & { value?: unknown } }> })?.items?.find((p) => p.key?.value === key);
          node = pair?.key ?? node;
        }
        const pos = parsed.lineCounter.linePos(node?.range?.[0] ?? 0);
        problems.push({ file, line: pos.line, col: pos.col, code: codeOf(error), message: messageOf(error), hint });
      }
    }
  }
  if (problems.length > 0) {
    problems = sortProblems(problems);
    throw new CliError(
      `${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}\n${problems.map(formatProblem).join('\n')}`,
      ExitCode.Usage,
    );
  }
  return value as T;
}
