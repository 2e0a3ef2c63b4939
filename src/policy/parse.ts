/**
 * Stage 1 of the policy pipeline: YAML text → a YAML syntax tree that remembers where
 * every node came from. Syntax errors become problems here; nothing is thrown.
 */
import { createHash } from 'node:crypto';
import type { Document, LineCounter, YAMLError } from 'yaml';
import { ProblemCode, type PolicyProblem } from './problem';
import { yaml } from './yaml-lazy';

/** A parsed (not yet validated) policy or cases file. */
export interface ParsedPolicy {
  /** The file name used in problems (as given by the caller). */
  readonly file: string;
  /** sha256 (hex) of `text`, exactly as read. */
  readonly hash: string;
  /** The YAML document; `document.contents` is the root node (null for an empty file). */
  readonly document: Document.Parsed;
  /** Maps offsets to 1-based line/col. */
  readonly lineCounter: LineCounter;
  /** Syntax problems (including duplicate keys), in file order. */
  readonly problems: readonly PolicyProblem[];
  /**
   * True if the YAML is too broken to validate its structure (any syntax error other
   * than a duplicate key). Duplicate keys alone still let validation report everything else.
   */
  readonly fatal: boolean;
}

/** Strips yaml's " at line X, column Y:" suffix and source excerpt from a message. */
function shortMessage(error: YAMLError): string {
  const first = error.message.split('\n')[0] ?? error.message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function toProblem(file: string, lineCounter: LineCounter, error: YAMLError): PolicyProblem {
  const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY') {
    return {
      file,
      line: at.line,
      col: at.col,
      code: ProblemCode.DuplicateKey,
      message: 'this key appears twice in the same mapping (YAML would silently keep only the last one)',
      hint: 'remove one of the two, or merge them into one entry',
    };
  }
  const hint =
    error.code === 'MULTIPLE_DOCS'
      ? 'a policy file holds exactly one YAML document; remove the extra `---`'
      : error.code === 'TAG_RESOLVE_FAILED'
        ? 'remove the custom `!tag`; policy values are plain strings, numbers, booleans, lists and mappings'
        : 'fix the YAML syntax (indent with spaces, close every bracket and quote)';
  return { file, line: at.line, col: at.col, code: ProblemCode.YamlSyntax, message: `${shortMessage(error)} (${error.code})`, hint };
}

/**
 * Parses policy YAML with positions. Never throws: syntax errors, duplicate keys, custom
 * tags and extra documents are returned as problems.
 *
 * @param text - the file's contents.
 * @param file - the name to report problems against.
 * @example
 * const parsed = parsePolicy('capabilities: []\n', 'policy.yaml');
 * parsed.problems; // []
 */
export function parsePolicy(text: string, file: string): ParsedPolicy {
  const lib = yaml();
  const lineCounter = new lib.LineCounter();
  const document = lib.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: false });
  const problems = [...document.errors, ...document.warnings].map((e) => toProblem(file, lineCounter, e));
  const fatal = document.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');
  return { file, hash, document, lineCounter, problems, fatal };
}
