/**
 * `canonicalizeRequest`: turns what an agent asked for into the {@link CanonicalRequest}
 * the policy judges. Pure: the only look-up it needs (symlinks) is passed in by the
 * provider. Dispatch is by action: `fs.*` → path, `net.http` → URL, `proc.exec` →
 * program, `mcp.call` → `server/tool` (canonical-mcp.ts); any other (custom) action keeps its target verbatim once NUL and control
 * characters are ruled out.
 */
import { InvalidParamsError } from './canonical-errors';
import { canonicalProgram } from './canonical-exec';
import { canonicalPath, resolveAgainst, type RealpathOfExisting } from './canonical-path';
import { canonicalUrl } from './canonical-url';
import { canonicalMcpTarget } from './canonical-mcp';
import { assertTargetText } from './target-text';
import type { CanonicalRequest } from './types';

/** What the provider knows at the edge. Both fields are optional. */
export interface CanonicalizeOptions {
  /** Resolves symlinks of fs targets, absolute program paths and `cwd` (see {@link RealpathOfExisting}). */
  readonly realpathOfExisting?: RealpathOfExisting;
  /** Absolute directory that relative fs paths and `cwd` are resolved against; without it they are refused. */
  readonly base?: string;
}

const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Z]+$/;

/**
 * Canonicalises a request's target (and the params the policy judges).
 * net.http: `params.method` is upper-cased and defaults to `GET`. proc.exec: `args` must
 * be a list of strings; `cwd` is canonicalised like an fs path.
 *
 * @throws {InvalidTargetError} (code `Policy.InvalidTarget`) for targets that cannot be judged.
 * @throws {InvalidParamsError} (code `Policy.InvalidParams`) for judged params of the wrong shape.
 * @example
 * canonicalizeRequest({ action: 'fs.read', target: '/workspace/../etc/passwd' });
 * // { action: 'fs.read', target: '/etc/passwd', params: {} }
 */
export function canonicalizeRequest(
  request: { action: string; target: string; params?: Readonly<Record<string, unknown>> },
  options: CanonicalizeOptions = {},
): CanonicalRequest {
  const { action } = request;
  const params: Record<string, unknown> = { ...(request.params ?? {}) };
  if (action.startsWith('fs.')) {
    return { action, target: fsPath(request.target, options), params };
  }
  if (action === 'net.http') {
    const method = params['method'] ?? 'GET';
    if (typeof method !== 'string' || !METHOD_TOKEN.test(method.toUpperCase())) {
      throw new InvalidParamsError('method', method, 'an HTTP method is a token such as GET or POST');
    }
    params['method'] = method.toUpperCase();
    return { action, target: canonicalUrl(request.target), params };
  }
  if (action === 'proc.exec') {
    const args = params['args'];
    if (args !== undefined) {
      if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
        throw new InvalidParamsError('args', args, 'args is a list of strings');
      }
      if (args.some((a: string) => a.includes('\u0000'))) {
        throw new InvalidParamsError('args', args, 'an argument cannot contain a NUL byte');
      }
    }
    const cwd = params['cwd'];
    if (cwd !== undefined) {
      if (typeof cwd !== 'string') throw new InvalidParamsError('cwd', cwd, 'cwd is a path');
      params['cwd'] = fsPath(cwd, options);
    }
    return { action, target: canonicalProgram(request.target, options.realpathOfExisting), params };
  }
  if (action === 'mcp.call') {
    const args = params['arguments'];
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      throw new InvalidParamsError('arguments', args, 'the arguments of an MCP tool call are an object');
    }
    return { action, target: canonicalMcpTarget(request.target).target, params };
  }
  return { action, target: assertTargetText(request.target), params };
}

function fsPath(target: string, options: CanonicalizeOptions): string {
  const absolute = options.base === undefined ? target : resolveAgainst(target, options.base);
  return canonicalPath(absolute, options.realpathOfExisting);
}
