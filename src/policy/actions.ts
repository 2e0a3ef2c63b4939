/**
 * The closed set of actions a policy may name, and checks on action globs (`fs.*`).
 *
 * Built-in actions live in the reserved namespaces `fs.`, `proc.`, `net.` and `mcp.`; custom
 * providers register further dotted names (e.g. `kv.get`) through
 * {@link PolicyOptions.extraActions}. Names are case-sensitive. An action glob may use
 * only `*` as wildcard and must match at least one known action.
 */
import micromatch from 'micromatch';
import { PolicyOptionsError } from './errors';
import { BuiltinAction, type PolicyOptions } from './types';

/** Every built-in action name. */
export const BUILTIN_ACTIONS: readonly string[] = Object.values(BuiltinAction);

/** Namespaces reserved for built-in actions; custom actions may not use them. */
export const RESERVED_NAMESPACES: readonly string[] = ['fs', 'proc', 'net', 'mcp'];

const ACTION_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_-]*)+$/;
const ACTION_GLOB = /^[a-z0-9_.*-]+$/;

/** The kind of target an action works on; it decides what a `resource` must look like. */
export const TargetFamily = { Path: 'path', Program: 'program', Url: 'url', McpTool: 'mcp-tool', Custom: 'custom' } as const;
export type TargetFamily = (typeof TargetFamily)[keyof typeof TargetFamily];

/** The target family of a known action: fs.* → path, proc.exec → program, net.http → url, mcp.call → `server/tool`, others → custom. */
export function targetFamily(action: string): TargetFamily {
  if (action.startsWith('fs.')) return TargetFamily.Path;
  if (action === BuiltinAction.ProcExec) return TargetFamily.Program;
  if (action === BuiltinAction.NetHttp) return TargetFamily.Url;
  if (action === BuiltinAction.McpCall) return TargetFamily.McpTool;
  return TargetFamily.Custom;
}

/**
 * All action names a policy may use: the built-ins plus `options.extraActions`.
 *
 * @throws {PolicyOptionsError} when an extra action is not a dotted lower-case name
 *   (`kv.get`) or uses a reserved namespace (`fs.`, `proc.`, `net.`).
 */
export function knownActions(options?: PolicyOptions): readonly string[] {
  const extra = options?.extraActions ?? [];
  for (const name of extra) {
    if (typeof name !== 'string' || !ACTION_NAME.test(name)) {
      throw new PolicyOptionsError(name, 'an action name is dotted lower-case, like "kv.get"');
    }
    if (RESERVED_NAMESPACES.includes(name.split('.')[0] ?? '')) {
      throw new PolicyOptionsError(name, `the namespaces ${RESERVED_NAMESPACES.join(', ')} are reserved for built-in actions`);
    }
  }
  return [...new Set([...BUILTIN_ACTIONS, ...extra])];
}

/** True if `action` is written as a glob (contains a wildcard character). */
export function isActionGlob(action: string): boolean {
  return /[*?[\]{}()!+@]/.test(action);
}

/** True if `glob` uses only the wildcard `*` over lower-case name characters. */
export function isSimpleActionGlob(glob: string): boolean {
  return ACTION_GLOB.test(glob);
}

/**
 * The known actions an action name or glob covers (an exact name covers itself if known).
 *
 * @example
 * expandActionGlob('fs.*', knownActions()); // ['fs.read', 'fs.write', 'fs.delete', 'fs.list']
 */
export function expandActionGlob(glob: string, known: readonly string[]): string[] {
  if (!isActionGlob(glob)) return known.includes(glob) ? [glob] : [];
  if (!isSimpleActionGlob(glob)) return [];
  return known.filter((action) => micromatch.isMatch(action, glob));
}
