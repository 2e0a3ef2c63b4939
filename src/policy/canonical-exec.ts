/**
 * Canonical program names for `proc.exec`: either a bare name (`git`, looked up on the
 * provider's fixed PATH) or a normalised absolute path (`/usr/bin/git`). The two are
 * different targets: a rule for `git` does not match `/usr/bin/git` or `/tmp/x/git`, and
 * relative forms such as `./git` or `bin/git` are refused outright, because they name
 * whatever file happens to sit in the working directory.
 */
import { InvalidTargetError } from './canonical-errors';
import { canonicalPath, type RealpathOfExisting } from './canonical-path';
import { assertTargetText } from './target-text';

/**
 * The canonical form of a program target. Absolute paths are normalised and, given
 * `realpathOfExisting`, resolved through symlinks (judged by the binary that really runs).
 *
 * @throws {InvalidTargetError} for relative paths (`./git`, `bin/git`), `.`/`..`,
 *   whitespace around the name, or NUL/control characters.
 * @example
 * canonicalProgram('git'); // 'git'
 * canonicalProgram('/usr/bin/../bin/git'); // '/usr/bin/git'
 * canonicalProgram('./git'); // throws InvalidTargetError
 */
export function canonicalProgram(input: string, realpathOfExisting?: RealpathOfExisting): string {
  assertTargetText(input);
  if (input.trim() !== input || input.trim() === '') {
    throw new InvalidTargetError(input, 'the program name has surrounding whitespace', 'write the bare program name, e.g. git');
  }
  if (input.startsWith('/')) return canonicalPath(input, realpathOfExisting);
  if (input.includes('/') || input.includes('\\')) {
    throw new InvalidTargetError(input, 'the program is a relative path', 'write a bare program name (git) or an absolute path (/usr/bin/git)');
  }
  if (input === '.' || input === '..') {
    throw new InvalidTargetError(input, 'the program name is a directory reference', 'write a bare program name, e.g. git');
  }
  return input;
}
