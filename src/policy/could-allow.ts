/**
 * `couldAllow`: whether a policy could ever allow an action on a target, whatever the params —
 * used to offer a model only the tools the policy might permit (a tool it can never allow is
 * not offered at all). True when some capability or ask rule covers the action and its
 * resource matches the target, and no deny rule without a constraint (one that applies to
 * every request) covers it. Params are not judged here: the real decision still happens per
 * call, so "could" errs on the side of offering.
 */
import { matchGlob } from './glob';
import { bucketOf, denyCoversTarget, type CompiledPolicy } from './compile';

/**
 * @example
 * couldAllow(policy, 'mcp.call', 'fs/write_file'); // true if a rule could grant it
 */
export function couldAllow(policy: CompiledPolicy, action: string, target: string): boolean {
  const bucket = policy.byAction.get(action) ?? bucketOf(policy.actionMatchers, action);
  if (bucket.deny.some((r) => r.constraint === undefined && denyCoversTarget(r, target))) return false;
  return [...bucket.ask, ...bucket.allow].some((r) => matchGlob(r.resource, target));
}
