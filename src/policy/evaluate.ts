/**
 * `evaluate`: the order-free decision. Deny if any deny rule matches; else ask if any ask
 * rule matches; else allow if a capability matches; else deny. Rule order in the file
 * never changes the effect (it only picks which of several matching rules is named).
 *
 * A rule matches when its action covers the request's action, its resource glob matches
 * the canonical target, and its constraint holds (grant semantics for capabilities and
 * ask rules, deny semantics for deny rules: see constraint.ts). A request whose host is a raw IP is granted only by a rule whose
 * resource names that IP literally; deny rules apply to raw IPs as to any host, and a deny
 * rule whose URL names no port applies on every port (compile.ts, `anyPort`).
 */
import { askCoversTarget, bucketOf, denyCoversTarget, urlRestrictionDiffers, type CompiledPolicy, type CompiledRule } from './compile';
import { beyondCapsOnly, capsMiss, compileConstraint, constraintCovers, constraintMiss, type CompiledConstraint } from './constraint';
import { matchGlob, mayMatchBelow } from './glob';
import { Effect, RuleKind, type CanonicalRequest, type Decision, type RuleConstraint } from './types';
import { caselessPathForm, hostOf, isIpHost, serverPathForm, withoutPort } from './url-host';
import { MCP_TOOL_NAME, isMcpServerName } from './canonical-mcp';
import { EMPTY_HISTORY, createOnly, createdFileOf, historyMiss, historyNote, type HistoryContext } from './history';

/** A {@link Decision} that also carries the deciding rule's constraint, so a provider can enforce caps. */
export interface PolicyDecision extends Decision {
  /** The deciding rule's constraint (for a layered grant: the tightest caps of every layer). */
  readonly constraint?: RuleConstraint;
  /**
   * Set when evaluated with a run history and the effect is not deny: `<layer>:<rule id>` of
   * the deciding rule of each layer (what an executed action counts under; history.ts).
   */
  readonly grantedBy?: readonly string[];
}

/**
 * Decides a canonical request. Never throws: a malformed request or an internal failure
 * yields a deny whose reason says so.
 *
 * @example
 * evaluate(policy, { action: 'fs.write', target: '/etc/passwd', params: {} });
 * // { effect: 'deny', reason: 'no capability allows fs.write on /etc/passwd', target: '/etc/passwd' }
 */
export function evaluate(policy: CompiledPolicy, request: CanonicalRequest, history?: HistoryContext): PolicyDecision {
  try {
    const d = withProtectedBelow(policy, request, decide(policy, request, history));
    return history === undefined || d.effect === Effect.Deny || d.ruleId === undefined ? d : { ...d, grantedBy: [`${history.layer}:${d.ruleId}`] };
  } catch (err) {
    const target = safeText(() => request.target);
    const why = safeText(() => (err instanceof Error ? err.message : err));
    return { effect: Effect.Deny, reason: `could not evaluate ${safeText(() => request.action)} on ${target}: ${why}`, target };
  }
}

function safeText(read: () => unknown): string {
  try {
    return String(read());
  } catch {
    return '(unreadable)';
  }
}

function decide(policy: CompiledPolicy, request: CanonicalRequest, history: HistoryContext | undefined): PolicyDecision {
  const { action, target } = request;
  if (typeof action !== 'string' || typeof target !== 'string' || typeof request.params !== 'object' || request.params === null) {
    return { effect: Effect.Deny, reason: 'the request is malformed (action, target and params are required)', target: String(target) };
  }
  const notCanonical = canonicalProblem(action, target);
  if (notCanonical !== undefined) {
    return { effect: Effect.Deny, reason: `${action} on ${target} was not judged: ${notCanonical}; canonicalize the request first`, target };
  }
  const bucket = policy.byAction.get(action) ?? bucketOf(policy.actionMatchers, action);
  const recursive = action === 'fs.delete' && isRecursive(request.params);
  const aliases = request.aliases;
  for (const r of bucket.deny) {
    const covered = denyCoversTarget(r, target) ? target : aliases === undefined ? undefined : aliases.find((a) => denyCoversTarget(r, a));
    if (covered !== undefined && (r.constraint === undefined || constraintCovers(r.constraint, request))) {
      return decision(Effect.Deny, r, `denied by rule ${r.id}: ${action} on ${target}${alsoNamed(covered, target)}`, target);
    }
  }
  let refused: CompiledRule | undefined;
  // An ask rule whose history keys refuse (its max_calls used up, its requirement unmet) still
  // covers the request: no approval can be given now, and no capability allows it instead.
  let usedUp: CompiledRule | undefined;
  // An ask rule covering the target of a recursive delete without granting recursion itself:
  // it asks for the tree where a capability grants the recursive delete.
  let treeAsk: CompiledRule | undefined;
  for (const r of bucket.ask) {
    const g = grants(r, request, recursive, history);
    if (g === Grant.Yes) return decision(Effect.Ask, r, `requires approval (rule ${r.id}): ${action} on ${target}`, target, request, history);
    if (g === Grant.Refused) refused ??= r;
    if (g === Grant.History || g === Grant.Cap) usedUp ??= r;
    if (g === Grant.Tree) treeAsk ??= r;
  }
  if (usedUp !== undefined) return askUsedUp(usedUp, request, history, '');
  for (const r of bucket.allow) {
    const g = grants(r, request, recursive, history);
    if (g === Grant.Yes) {
      if (treeAsk !== undefined) return treeAskDecision(treeAsk, r, request, history, '');
      // An ask is a restriction here: not dodged by a dot-segment or by another port of its host.
      let limited: CompiledRule | undefined;
      let tree: CompiledRule | undefined;
      const ask =
        bucket.ask.length === 0 ||
        !(restrictionMayDiffer(request) || (target.charCodeAt(0) === 104 && bucket.ask.some(urlRestrictionDiffers)) || dotMayMatter(bucket.ask, request))
          ? undefined
          : bucket.ask.find((a) => {
              if (!askCoversAny(a, target, aliases)) return false;
              const ga = grants(a, request, recursive, history, true);
              if (ga === Grant.History || ga === Grant.Cap) limited ??= a;
              if (ga === Grant.Tree) tree ??= a;
              return ga === Grant.Yes;
            });
      const namedFor = (a: CompiledRule): string =>
        askCoversTarget(a, target) ? '' : alsoNamed(aliases?.find((n) => askCoversTarget(a, n)) ?? target, target);
      if (ask !== undefined) {
        return decision(Effect.Ask, ask, `requires approval (rule ${ask.id}): ${action} on ${target}${namedFor(ask)}`, target, request, history);
      }
      if (limited !== undefined) return askUsedUp(limited, request, history, namedFor(limited));
      if (tree !== undefined) return treeAskDecision(tree, r, request, history, namedFor(tree));
      return decision(Effect.Allow, r, `allowed by rule ${r.id}: ${action} on ${target}`, target, request, history);
    }
    if (g !== Grant.No) refused ??= r;
  }
  const why = refused === undefined ? '' : ` (rule ${refused.id} matches the target, but ${refusal(refused, request, recursive, history)})`;
  return { effect: Effect.Deny, reason: `no capability allows ${action} on ${target}${why}`, target };
}

/**
 * A recursive fs.delete removes the whole tree below its target, which the policy cannot see:
 * a grant carries the deny rules, and the ask rules not covering the target itself, that may
 * match something below it (`protected_below`), and the provider refuses the delete if the
 * tree holds an entry one of them matches.
 */
function withProtectedBelow(policy: CompiledPolicy, request: CanonicalRequest, d: PolicyDecision): PolicyDecision {
  if (d.effect === Effect.Deny || request.action !== 'fs.delete' || !isRecursive(request.params)) return d;
  const bucket = policy.byAction.get(request.action) ?? bucketOf(policy.actionMatchers, request.action);
  // The target's other names (overlapping mounts) hold the same tree: a rule below one of them counts.
  const names = request.aliases === undefined ? [request.target] : [request.target, ...request.aliases];
  const below = bucket.deny
    .filter((r) => names.some((n) => mayMatchBelow(r.resource.pattern, n)) && (r.constraint === undefined || constraintCovers(r.constraint, request)))
    .map((r) => r.resource.pattern);
  // An ask below is not dodged either; one that covers the target itself is what asks for the tree.
  for (const r of bucket.ask) {
    const glob = r.restrict ?? r.resource;
    if (names.some((n) => !matchGlob(glob, n) && mayMatchBelow(glob.pattern, n))) below.push(glob.pattern);
  }
  return below.length === 0 ? d : { ...d, constraint: { ...d.constraint, protected_below: below } };
}

function decision(effect: Effect, r: CompiledRule, reason: string, target: string, request?: CanonicalRequest, history?: HistoryContext): PolicyDecision {
  if (r.rule.history === undefined || request === undefined) return { effect, ruleId: r.id, reason, target, constraint: r.rule.constraint };
  const ctx = history ?? { lookup: EMPTY_HISTORY, layer: 0 };
  const file = createdFileOf(r.rule, request, ctx);
  const constraint = createOnly(r.rule, request, ctx)
    ? { ...r.rule.constraint, create_only: true }
    : file !== undefined
      ? { ...r.rule.constraint, created_file: file }
      : r.rule.constraint;
  return { effect, ruleId: r.id, reason: reason + historyNote(r.rule, request, ctx), target, constraint };
}

/** A recursive fs.delete: `recursive` set to anything but false (malformed counts as recursive). */
function isRecursive(params: CanonicalRequest['params']): boolean {
  const r = params['recursive'];
  return r !== undefined && r !== false;
}

/**
 * `History`: the rule covers the request, but its history-aware keys refuse it now (history.ts).
 * `Cap`: an ask rule the request matches but for one of its caps (`max_bytes`, `timeout_ms`, `env`):
 * it asks for more than the ask grants, and is denied rather than allowed by a capability unasked.
 * `Tree`: the rule would grant the request but for its recursion (a recursive fs.delete, and the
 * rule has no `recursive: true`); for a capability that is a refusal, for an ask rule it still
 * asks where a capability grants the recursive delete.
 */
const Grant = { No: 0, Yes: 1, Refused: 2, History: 3, Tree: 4, Cap: 5 } as const;
type Grant = (typeof Grant)[keyof typeof Grant];

/**
 * Grant semantics. `Refused`: the resource matched but the request is outside the rule.
 * `restrict`: an ask judged as a restriction (a capability allows the request): the caller matched
 * its resource already (dot-files, any port), and its `args` match as a deny's do.
 */
function grants(r: CompiledRule, request: CanonicalRequest, recursive: boolean, history: HistoryContext | undefined, restrict = false): Grant {
  if (!restrict && !matchGlob(r.resource, request.target)) return Grant.No;
  const ip = rawIp(request.target);
  if (ip !== undefined && r.ip !== ip) return Grant.Refused;
  // As a restriction, an ask's cwd, args and params globs match dot-segments too (as its resource does).
  const c = restrict ? restrictConstraint(r) : r.constraint;
  if (c !== undefined && constraintMiss(c, request, restrict) !== undefined)
    return r.rule.kind === RuleKind.Ask && beyondCapsOnly(c, request, restrict) ? Grant.Cap : Grant.Refused;
  if (r.rule.history !== undefined && historyMiss(r.rule, request, history) !== undefined) return Grant.History;
  return recursive && r.rule.constraint.recursive !== true ? Grant.Tree : Grant.Yes;
}

/**
 * The ask of a recursive delete whose target ask rule `ask` covers (without `recursive: true`)
 * and capability `cap` grants recursively: a person approves the tree, which the capability's
 * recursion then deletes (the grant carries `recursive: true`).
 */
function treeAskDecision(ask: CompiledRule, cap: CompiledRule, request: CanonicalRequest, history: HistoryContext | undefined, named: string): PolicyDecision {
  const reason = `requires approval (rule ${ask.id}): ${request.action} on ${request.target}${named}, a recursive delete (rule ${cap.id} allows its tree)`;
  const d = decision(Effect.Ask, ask, reason, request.target, request, history);
  return { ...d, constraint: { ...d.constraint, recursive: true } };
}

/**
 * The denial of a request an ask rule covers while its history-aware keys refuse, or beyond one
 * of its caps: an ask is a restriction, so a used-up `max_calls`, an unmet `requires` or a
 * request for more than the ask grants (`max_bytes`, `timeout_ms`, `env`) never lets a
 * capability allow the request without a person asked.
 */
function askUsedUp(r: CompiledRule, request: CanonicalRequest, history: HistoryContext | undefined, named: string): PolicyDecision {
  const why =
    (r.constraint === undefined ? undefined : capsMiss(r.constraint, request)) ?? historyMiss(r.rule, request, history) ?? 'its history-aware keys refuse it';
  return {
    effect: Effect.Deny,
    ruleId: r.id,
    reason: `denied by rule ${r.id}: it asks for approval of ${request.action} on ${request.target}${named}, but ${why}`,
    target: request.target,
  };
}

/** Ask rules' constraints compiled to match dot-segments (for their judgement as a restriction); `null`: none. */
const restrictConstraints = new WeakMap<CompiledRule, CompiledConstraint | null>();

/** `r`'s constraint with its globs matching dot-segments, compiled once per rule. */
function restrictConstraint(r: CompiledRule): CompiledConstraint | undefined {
  let c = restrictConstraints.get(r);
  if (c === undefined) {
    c = r.constraint === undefined ? null : (compileConstraint(r.rule.constraint, true) ?? null);
    restrictConstraints.set(r, c);
  }
  return c ?? undefined;
}

/**
 * True when the request's cwd, args or params may let an ask rule's constraint, judged as a grant's,
 * miss what it covers as a restriction: a dot-segment in cwd or args; for rules with `params`,
 * always — a value the grant cannot judge (a dot-segment, `//`, `"true"` where `true` is named) is
 * outside it as a grant and inside it as a restriction. Only fields some ask rule constrains count.
 */
function dotMayMatter(asks: readonly CompiledRule[], request: CanonicalRequest): boolean {
  let cwd = false;
  let args = false;
  let params = false;
  for (const a of asks) {
    const c = a.rule.constraint;
    if (c.cwd !== undefined) cwd = true;
    if (c.args !== undefined || c.deny_args !== undefined) args = true;
    if (c.params !== undefined) params = true;
  }
  const p = request.params;
  if (cwd && typeof p['cwd'] === 'string' && hasDotSegment(p['cwd'])) return true;
  const list = p['args'];
  if (args && Array.isArray(list) && list.some((a) => typeof a === 'string' && hasDotSegment(a))) return true;
  return params;
}

function hasDotSegment(s: string): boolean {
  return s.charCodeAt(0) === 46 || s.includes('/.');
}

/** An ask rule covers the target or one of its other names (`aliases`), as a restriction. */
function askCoversAny(r: CompiledRule, target: string, aliases: readonly string[] | undefined): boolean {
  return askCoversTarget(r, target) || (aliases !== undefined && aliases.some((a) => askCoversTarget(r, a)));
}

/** ` (as curl)` when a rule matched another name of the target than the target itself. */
function alsoNamed(name: string, target: string): string {
  return name === target ? '' : ` (as ${name})`;
}

/** Why a rule whose resource matched did not grant: a phrase for the default-deny reason. */
function refusal(r: CompiledRule, request: CanonicalRequest, recursive: boolean, history: HistoryContext | undefined): string {
  if (recursive && r.rule.constraint.recursive !== true) return 'it does not allow a recursive delete';
  const ip = rawIp(request.target);
  if (ip !== undefined && r.ip !== ip) return `${ip} is a raw IP host and only a rule naming that IP can grant it`;
  return (
    (r.constraint === undefined ? undefined : constraintMiss(r.constraint, request)) ??
    historyMiss(r.rule, request, history) ??
    'the request is outside the rule'
  );
}

/**
 * False when an ask rule judged as a restriction cannot cover more than the ask pass already
 * did: the target has no other names, no dot-segment, no port, no `//`, `;`, trailing `/` or upper case in a URL path, and no argument is an option (cheap, so most
 * allowed requests skip the second look at the ask rules).
 */
function restrictionMayDiffer(request: CanonicalRequest): boolean {
  if (request.aliases !== undefined && request.aliases.length > 0) return true;
  const t = request.target;
  if (t.includes('/.')) return true;
  if (t.charCodeAt(0) === 104 && (withoutPort(t) !== undefined || serverPathForm(t) !== undefined || caselessPathForm(t) !== undefined)) return true; // 'h'ttp(s)
  const args = request.params['args'];
  return Array.isArray(args) && args.some((a) => typeof a === 'string' && a.charCodeAt(0) === 45); // '-'
}

/** The host of an http(s) target if it is an IP literal. */
function rawIp(target: string): string | undefined {
  if (target.charCodeAt(0) !== 104 || target.charCodeAt(1) !== 116) return undefined; // 'ht'
  const host = hostOf(target);
  return host !== undefined && isIpHost(host) ? host : undefined;
}

/** Cheap guard against raw targets reaching evaluate: the canonical forms have no `.`/`..`/empty segments. */
function canonicalProblem(action: string, target: string): string | undefined {
  if (target.length === 0) return 'the target is empty';
  if (action.charCodeAt(0) === 102 && action.charCodeAt(1) === 115 && action.charCodeAt(2) === 46) {
    // 'fs.'
    if (target.charCodeAt(0) !== 47) return 'the path is not absolute';
    return isNormalPath(target) ? undefined : 'the path is not normalised or contains NUL';
  }
  for (let i = 0; i < target.length; i++) if (target.charCodeAt(i) === 0) return 'the target contains NUL';
  if (action === 'net.http' && !/^https?:\/\//.test(target)) return 'the URL is not http(s)';
  if (action === 'mcp.call' && !isMcpTarget(target)) return 'the target is not server/tool';
  return undefined;
}

/** One pass: no NUL, no `//`, no `.` or `..` segment, no trailing `/` (except the root). */
function isNormalPath(t: string): boolean {
  const n = t.length;
  if (n > 1 && t.charCodeAt(n - 1) === 47) return false;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === 0) return false;
    if (c !== 47) continue;
    const a = t.charCodeAt(i + 1); // NaN past the end
    if (a === 47) return false;
    if (a !== 46) continue;
    const b = t.charCodeAt(i + 2);
    if (i + 2 === n || b === 47) return false;
    if (b === 46 && (i + 3 === n || t.charCodeAt(i + 3) === 47)) return false;
  }
  return true;
}

/** `server/tool` as canonical-mcp.ts defines it. */
function isMcpTarget(t: string): boolean {
  const slash = t.indexOf('/');
  return slash > 0 && isMcpServerName(t.slice(0, slash)) && MCP_TOOL_NAME.test(t.slice(slash + 1));
}
