/**
 * Loading = parse + validate, failing closed: a policy with any problem never loads.
 */
import { readFileSync } from 'node:fs';
import { PolicyFileError, PolicyValidationError } from './errors';
import { parsePolicy } from './parse';
import type { PolicyDocument, PolicyOptions } from './types';
import { validatePolicy } from './validate';

/**
 * Parses and validates policy text.
 *
 * @param file - the name used in problems and recorded in the document.
 * @throws {PolicyValidationError} (`Policy.Invalid`) listing every problem, if there is any.
 * @throws {PolicyOptionsError} (`Policy.InvalidOptions`) if `options.extraActions` is malformed.
 * @example
 * const policy = loadPolicyText('capabilities:\n  - action: fs.read\n    resource: /workspace/**\n', 'inline');
 * policy.capabilities[0]?.id; // 'capabilities[0]'
 */
export function loadPolicyText(text: string, file: string, options?: PolicyOptions): PolicyDocument {
  const { document, problems } = validatePolicy(parsePolicy(text, file), options);
  if (document === undefined) throw new PolicyValidationError(file, problems);
  return document;
}

/** Reads a file as UTF-8, turning I/O failures into {@link PolicyFileError}. */
export function readPolicySource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file; check the path (it is resolved against the current directory) or create the policy'
        : code === 'EISDIR'
          ? 'it is a directory; pass the path of the YAML file inside it'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied; make the file readable by this user'
            : cause instanceof Error
              ? cause.message
              : String(cause);
    throw new PolicyFileError(file, reason, { cause });
  }
}

/**
 * Reads (synchronously) and loads a policy file.
 *
 * @throws {PolicyFileError} (`Policy.FileUnreadable`) if the file cannot be read.
 * @throws {PolicyValidationError} (`Policy.Invalid`) listing every problem, if there is any.
 * @example
 * const policy = loadPolicyFile('policy.yaml');
 */
export function loadPolicyFile(file: string, options?: PolicyOptions): PolicyDocument {
  return loadPolicyText(readPolicySource(file), file, options);
}
