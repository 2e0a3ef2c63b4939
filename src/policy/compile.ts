/**
 * `compilePolicy`: every glob is compiled once, and rules are indexed by action, so an
 * evaluation only looks at the deny, ask and capability rules that can apply to its
 * action. Capability and ask rules compile with `dot: false` (a grant never reaches
 * `.git` or `.env` unless it names them); deny rules with `dot: true` (a deny is never
 * dodged by a dot-segment).
 *
 * URL resources: the literal `scheme://host[:port]` head of a rule is put in canonical
 * form like request targets (lower case, default port dropped, IP spellings unified). A
 * rule "names an IP" when that head is an IP literal; only such rules can grant a
 * request whose host is a raw IP (see evaluate.ts). A deny rule whose URL names no port
 * covers every port of its hosts (`anyPort`): a deny is never dodged by a port, as it is
 * never dodged by a dot-segment; a grant names its port (the default one when none is written).
 */
import micromatch from 'micromatch';
import { PolicyCompileError } from './canonical-errors';
import { canonicalUrl } from './canonical-url';
import { compileConstraint, type CompiledConstraint } from './constraint';
import { compileGlob, matchGlob, type CompiledGlob } from './glob';
import { caselessPathForm, hostOf, isIpHost, namesNoPort, namesPort, serverPathForm, withDefaultPort, withoutPort } from './url-host';
import { MAX_BRACE_ALTERNATIVES, braceAlternatives } from './brace-count';
import { BuiltinAction, RuleKind, type PolicyDocument, type Rule } from './types';
import { historyTracking, type HistoryTracking } from './history';

/** One rule, ready to match. */
export interface CompiledRule {
  readonly rule: Rule;
  readonly id: string;
  readonly kind: RuleKind;
  readonly resource: CompiledGlob;
  /** The IP literal the rule names (`127.0.0.1`, `[::1]`), if its resource is a URL on an IP. */
  readonly ip: string | undefined;
  /** `undefined` when the rule has no constraint keys. */
  readonly constraint: CompiledConstraint | undefined;
  /**
   * A deny or ask rule on a URL glob that names no port: a deny also matches a target on another
   * port of the hosts it names (`https://evil.example/**` covers `https://evil.example:8443/x`);
   * an ask does when a capability allows that target (evaluate.ts), so it is not dodged by a port.
   */
  readonly anyPort: boolean;
  /**
   * A deny or ask rule on a URL glob some alternative of which names a port (by a wildcard: a
   * literal default port is dropped when the rule compiles): it also matches a target on the
   * default port with that port written out, so `https://evil.example:*` + `/**` covers
   * `https://evil.example/x`, whose canonical form has no port.
   */
  readonly defaultPort: boolean;
  /**
   * An ask rule's resource compiled with `dot: true`: what it covers as a restriction, when a
   * capability allows the request (an ask over `/workspace/**` also asks for `/workspace/.github/x`
   * that a capability grants). As a grant it still never reaches dot-files it does not name.
   */
  readonly restrict: CompiledGlob | undefined;
  /**
   * A deny or ask rule on an http(s) URL: its resource in lower case, with dot-files. It also
   * matches the target's lower-cased path (`caselessPathForm`), so a case-insensitive server's
   * `/ADMIN/x` does not dodge a rule on `/admin/**`.
   */
  readonly caseless: CompiledGlob | undefined;
}

/** The rules that can apply to one action, by kind. */
export interface ActionBucket {
  readonly deny: readonly CompiledRule[];
  readonly ask: readonly CompiledRule[];
  readonly allow: readonly CompiledRule[];
}

/** A compiled policy. Treat as opaque; read rules through {@link ruleById}. */
export interface CompiledPolicy {
  readonly document: PolicyDocument;
  readonly rules: readonly CompiledRule[];
  /** Buckets for the built-in actions and every action a rule names literally. */
  readonly byAction: ReadonlyMap<string, ActionBucket>;
  readonly byId: ReadonlyMap<string, CompiledRule>;
  /** Rules with their action matcher, for actions outside `byAction`. */
  readonly actionMatchers: readonly { readonly rule: CompiledRule; readonly matches: (action: string) => boolean }[];
  /** What the history-aware rules need recorded of a run; absent when no rule has such keys. */
  readonly history?: HistoryTracking;
}

/**
 * Compiles a validated policy document.
 *
 * @throws {PolicyCompileError} when two rules share an id or a glob does not compile.
 * @example
 * const policy = compilePolicy(doc);
 * evaluate(policy, canonicalizeRequest({ action: 'fs.read', target: '/workspace/a.txt' }));
 */
export function compilePolicy(doc: PolicyDocument): CompiledPolicy {
  const rules = [...doc.deny, ...doc.ask, ...doc.capabilities].map(compileRule);
  const byId = new Map<string, CompiledRule>();
  for (const r of rules) {
    if (byId.has(r.id)) throw new PolicyCompileError(r.id, 'another rule has the same id; decisions name rules by id');
    byId.set(r.id, r);
  }
  const actionMatchers = rules.map((rule) => ({ rule, matches: compileAction(rule) }));
  const names = new Set<string>(Object.values(BuiltinAction));
  for (const r of rules) if (!micromatch.scan(r.rule.action).isGlob) names.add(r.rule.action);
  const byAction = new Map<string, ActionBucket>();
  for (const name of names) byAction.set(name, bucketOf(actionMatchers, name));
  const history = historyTracking(rules.map((r) => r.rule));
  return { document: doc, rules, byAction, byId, actionMatchers, ...(history ? { history } : {}) };
}

/** The rules of `policy` that can apply to `action`, in document order per kind. */
export function bucketOf(matchers: CompiledPolicy['actionMatchers'], action: string): ActionBucket {
  const deny: CompiledRule[] = [];
  const ask: CompiledRule[] = [];
  const allow: CompiledRule[] = [];
  for (const { rule, matches } of matchers) {
    if (!matches(action)) continue;
    (rule.kind === RuleKind.Deny ? deny : rule.kind === RuleKind.Ask ? ask : allow).push(rule);
  }
  return { deny, ask, allow };
}

/** True if a deny rule's resource covers `target`: its glob matches it, or (`anyPort`) the target without its port. */
export function denyCoversTarget(r: CompiledRule, target: string): boolean {
  return anyPortMatch(r, target, r.resource);
}

/**
 * True if an ask rule covers `target` as a restriction (a capability allows the request): its
 * glob matches with dot-files (`restrict`), also on any port of its hosts when it names none.
 */
export function askCoversTarget(r: CompiledRule, target: string): boolean {
  return anyPortMatch(r, target, r.restrict ?? r.resource);
}

/**
 * True if `glob` matches `target`, or `r` names no port (`anyPort`) and `glob` matches `target`
 * without its port; for a URL, also the path a lenient server routes it to (serverPathForm), and
 * that path in lower case against the rule's `caseless` glob (caselessPathForm).
 */
function anyPortMatch(r: CompiledRule, target: string, glob: CompiledGlob): boolean {
  if (portMatch(r, target, glob)) return true;
  if (target.charCodeAt(0) !== 104) return false; // 'h'ttp(s)
  const server = serverPathForm(target);
  if (server !== undefined && portMatch(r, server, glob)) return true;
  if (r.caseless === undefined) return false;
  // Also a target already in lower case, when the rule itself has upper case (`/v1/Reports/**`).
  const lower = caselessPathForm(server ?? target) ?? (hasUpperCase(r) ? (server ?? target) : undefined);
  return lower !== undefined && portMatch(r, lower, r.caseless);
}

/** A URL deny or ask rule whose resource has upper case (its `caseless` glob differs). */
function hasUpperCase(r: CompiledRule): boolean {
  return r.caseless !== undefined && r.caseless.pattern !== r.resource.pattern;
}

function portMatch(r: CompiledRule, target: string, glob: CompiledGlob): boolean {
  if (matchGlob(glob, target)) return true;
  if (r.anyPort) {
    const bare = withoutPort(target);
    if (bare !== undefined && matchGlob(glob, bare)) return true;
  }
  if (!r.defaultPort) return false;
  const full = withDefaultPort(target);
  return full !== undefined && matchGlob(glob, full);
}

/** A URL deny or ask rule whose match differs from its grant match in ways a target alone does not show (upper case, a port pattern). */
export function urlRestrictionDiffers(r: CompiledRule): boolean {
  return r.defaultPort || hasUpperCase(r);
}

/**
 * The brace alternatives of a URL resource (itself when it has no group), for what each says about
 * ports. Too many to expand (refused by validation anyway): undefined.
 */
function urlAlternatives(resource: string): readonly string[] | undefined {
  if (!/^https?:\/\//i.test(resource) || !resource.includes('{')) return [resource];
  if (braceAlternatives(resource) > MAX_BRACE_ALTERNATIVES) return undefined;
  return micromatch.braces(resource, { expand: true, keepEscaping: true });
}

/** The compiled rule with this id (its `rule.constraint` carries the caps a provider enforces). */
export function ruleById(policy: CompiledPolicy, id: string): CompiledRule | undefined {
  return policy.byId.get(id);
}

function compileRule(rule: Rule): CompiledRule {
  const dot = rule.kind === RuleKind.Deny;
  try {
    const { pattern, ip } = urlResource(rule.resource);
    const restricts = rule.kind !== RuleKind.Capability;
    const alternatives = restricts ? urlAlternatives(rule.resource) : [];
    return {
      rule,
      id: rule.id,
      kind: rule.kind,
      resource: compileGlob(pattern, dot),
      ip,
      constraint: compileConstraint(rule.constraint, dot),
      // Per brace alternative: `{bad.example,worse.example:8443}` names no port for bad.example.
      anyPort: restricts && (alternatives === undefined || alternatives.some(namesNoPort)),
      defaultPort: restricts && (alternatives === undefined || alternatives.some(namesPort)),
      // Always present (undefined but for ask rules): one object shape for every rule keeps the loops monomorphic.
      restrict: rule.kind === RuleKind.Ask ? compileGlob(pattern, true) : undefined,
      caseless: rule.kind !== RuleKind.Capability && /^https?:\/\//.test(pattern) ? compileGlob(pattern.toLowerCase(), true) : undefined,
    };
  } catch (err) {
    throw new PolicyCompileError(rule.id, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function compileAction(rule: CompiledRule): (action: string) => boolean {
  const pattern = rule.rule.action;
  if (!micromatch.scan(pattern).isGlob) return (action) => action === pattern;
  const re = micromatch.makeRe(pattern, { dot: true });
  return (action) => re.test(action);
}

/**
 * Rewrites the literal `scheme://host[:port]` head of a URL glob into canonical form and
 * reports the IP it names. A bracketed IPv6 host is a literal, not a character class.
 */
function urlResource(resource: string): { pattern: string; ip: string | undefined } {
  const m = /^(https?:\/\/)(\[[0-9a-fA-F:.]+\](?::\d+)?|[^/]*)(.*)$/is.exec(resource);
  if (m === null) return { pattern: resource, ip: undefined };
  const head = `${m[1] ?? ''}${m[2] ?? ''}`;
  const tail = m[3] ?? '';
  const ipv6 = (m[2] ?? '').startsWith('[');
  if (!ipv6 && (micromatch.scan(head).isGlob || head.includes('\\'))) return { pattern: head.toLowerCase() + tail, ip: undefined };
  const canonical = canonicalUrl(`${head}/`).slice(0, -1);
  const host = hostOf(canonical) ?? '';
  const escaped = canonical.replace(/[[\]]/g, (c) => `\\${c}`);
  return { pattern: escaped + tail, ip: isIpHost(host) ? host : undefined };
}
