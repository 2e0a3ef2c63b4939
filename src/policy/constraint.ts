/**
 * What a rule's `constraint` means at evaluation time.
 *
 * Capabilities and ask rules GRANT, so their constraint is the limit of the grant: the
 * rule matches only if the request stays within every key ({@link constraintMiss}).
 * Caps (`max_bytes`, `timeout_ms`) match a request that asks for no more than the cap or
 * states no amount: the provider enforces the deciding rule's cap at use time either way
 * (the decision carries the constraint). Malformed params never satisfy a grant.
 *
 * Deny rules FORBID, so their constraint describes what is forbidden, and whatever the
 * request leaves unstated or malformed counts as forbidden ({@link constraintCovers}):
 * a condition can narrow a deny but never make it fail open on missing data.
 *
 * | key | a grant matches when | a deny matches when |
 * |---|---|---|
 * | method | the method (default GET) is listed | the method is listed |
 * | args | arguments match positionally (a cluster: each option in it) | arguments match positionally (a cluster: any option or value in it) |
 * | deny_args | no argument is covered | some argument is covered |
 * | cwd | a cwd is given and matches | the cwd matches, or none is given |
 * | env | every passed name is listed | some passed name is listed |
 * | max_bytes | bytes ≤ cap, or unstated | bytes > cap, or unstated |
 * | timeout_ms | timeout ≤ cap, or unstated | timeout > cap, or unstated |
 * | recursive | (checked in evaluate.ts, even without a constraint) | `true`: the request is recursive; `false`: always |
 * | params | every named argument is present and within its condition | every named argument is within its condition, or missing/malformed (params-constraint.ts) |
 *
 * `cwd` on a grant needs a stated cwd: the provider fills in its default before evaluation.
 * A recursive `fs.delete` needs `recursive: true` on the granting rule; a rule without the
 * key does not grant it (evaluate.ts checks this, since such a rule has no constraint).
 */
import { argsCover, argsMatch, compileArgs, compileDenyArgs, deniedArg, type ArgsMatcher, type DenyArgsMatcher } from './arg-match';
import { compileGlob, matchGlob, type CompiledGlob } from './glob';
import { requestArgs, requestBytes, requestEnvNames, requestMethod, requestTimeout } from './request-params';
import { compileParams, judgedArguments, paramsCover, paramsMiss, type CompiledParams } from './params-constraint';
import type { CanonicalRequest, RuleConstraint } from './types';

/** A constraint with its globs compiled; `undefined` fields are absent keys. */
export interface CompiledConstraint {
  readonly maxBytes: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly recursive: boolean | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  readonly env: ReadonlySet<string> | undefined;
  readonly cwd: CompiledGlob | undefined;
  readonly args: ArgsMatcher | undefined;
  readonly denyArgs: DenyArgsMatcher | undefined;
  readonly params: CompiledParams | undefined;
}

/** Compiles a constraint; `undefined` when it has no keys (the common, fastest case). */
export function compileConstraint(c: RuleConstraint, dot: boolean): CompiledConstraint | undefined {
  if (Object.keys(c).length === 0) return undefined;
  return {
    maxBytes: c.max_bytes,
    timeoutMs: c.timeout_ms,
    recursive: c.recursive,
    methods: c.method === undefined ? undefined : new Set(c.method.map((m) => m.toUpperCase())),
    env: c.env === undefined ? undefined : new Set(c.env),
    cwd: c.cwd === undefined ? undefined : compileGlob(c.cwd, dot),
    args: c.args === undefined ? undefined : compileArgs(c.args, dot),
    denyArgs: c.deny_args === undefined ? undefined : compileDenyArgs(c.deny_args),
    params: c.params === undefined ? undefined : compileParams(c.params, dot),
  };
}

/**
 * Why `request` falls outside the constraint, as a phrase for a reason sentence
 * ("method POST is not one of GET"), or `undefined` when it is within it. `restrict`: the rule
 * (an ask where a capability allows the request) restricts rather than grants, so `args` are
 * matched as a deny matches them (also after leading options: {@link argsCover}).
 */
export function constraintMiss(c: CompiledConstraint, request: CanonicalRequest, restrict = false): string | undefined {
  const p = request.params;
  if (c.methods !== undefined) {
    const method = requestMethod(p);
    if (method === null || !c.methods.has(method)) return `method ${String(method)} is not one of ${[...c.methods].join(', ')}`;
  }
  if (c.args !== undefined || c.denyArgs !== undefined) {
    const args = requestArgs(p);
    if (args === null) return 'args is not a list of strings';
    if (c.args !== undefined && !(restrict ? argsCover(c.args, args) : argsMatch(c.args, args)))
      return `arguments ${JSON.stringify(args)} do not match ${JSON.stringify(c.args.positional.map((g) => g.pattern).concat(c.args.rest ? ['**'] : []))}`;
    const denied = c.denyArgs === undefined ? undefined : deniedArg(c.denyArgs, args);
    if (denied !== undefined) return `argument ${JSON.stringify(denied)} is covered by deny_args`;
  }
  if (c.cwd !== undefined) {
    const cwd = p['cwd'];
    if (typeof cwd !== 'string' || !matchGlob(c.cwd, cwd)) return `cwd ${JSON.stringify(cwd ?? null)} does not match ${c.cwd.pattern}`;
  }
  if (c.env !== undefined) {
    const names = requestEnvNames(p);
    if (names === null) return 'env is neither a list of names nor an object';
    const extra = names.find((n) => !c.env?.has(n));
    if (extra !== undefined) return `environment variable ${extra} is not allowed`;
  }
  if (c.maxBytes !== undefined) {
    const bytes = requestBytes(p);
    if (bytes === null || (bytes !== undefined && bytes > c.maxBytes)) return `${String(bytes)} bytes exceed max_bytes ${c.maxBytes}`;
  }
  if (c.timeoutMs !== undefined) {
    const timeout = requestTimeout(p);
    if (timeout === null || (timeout !== undefined && timeout > c.timeoutMs)) return `timeout ${String(timeout)} ms exceeds timeout_ms ${c.timeoutMs}`;
  }
  if (c.params !== undefined) return paramsMiss(c.params, judgedArguments(request.action, p), restrict);
  return undefined;
}

/**
 * True when `request` is outside the constraint by its caps alone (`max_bytes`, `timeout_ms`,
 * `env`: it asks for more than the rule grants, not for something else). Asked only after
 * {@link constraintMiss} found a miss.
 */
export function beyondCapsOnly(c: CompiledConstraint, request: CanonicalRequest, restrict = false): boolean {
  if (c.maxBytes === undefined && c.timeoutMs === undefined && c.env === undefined) return false;
  return constraintMiss({ ...c, maxBytes: undefined, timeoutMs: undefined, env: undefined }, request, restrict) === undefined;
}

/** Why `request` goes beyond the constraint's caps (`max_bytes`, `timeout_ms`, `env`), or undefined. */
export function capsMiss(c: CompiledConstraint, request: CanonicalRequest): string | undefined {
  const caps: CompiledConstraint = {
    maxBytes: c.maxBytes,
    timeoutMs: c.timeoutMs,
    env: c.env,
    recursive: undefined,
    methods: undefined,
    cwd: undefined,
    args: undefined,
    denyArgs: undefined,
    params: undefined,
  };
  return constraintMiss(caps, request);
}

/** Deny semantics: true if the constraint describes `request` (unstated or malformed counts as described). */
export function constraintCovers(c: CompiledConstraint, request: CanonicalRequest): boolean {
  const p = request.params;
  if (c.methods !== undefined) {
    const method = requestMethod(p);
    if (method !== null && !c.methods.has(method)) return false;
  }
  if (c.args !== undefined || c.denyArgs !== undefined) {
    const args = requestArgs(p);
    if (args !== null) {
      if (c.args !== undefined && !argsCover(c.args, args)) return false;
      if (c.denyArgs !== undefined && deniedArg(c.denyArgs, args) === undefined) return false;
    }
  }
  if (c.cwd !== undefined && typeof p['cwd'] === 'string' && !matchGlob(c.cwd, p['cwd'])) return false;
  if (c.env !== undefined) {
    const names = requestEnvNames(p);
    if (names !== null && !names.some((n) => c.env?.has(n))) return false;
  }
  if (c.maxBytes !== undefined) {
    const bytes = requestBytes(p);
    if (typeof bytes === 'number' && bytes <= c.maxBytes) return false;
  }
  if (c.timeoutMs !== undefined) {
    const timeout = requestTimeout(p);
    if (typeof timeout === 'number' && timeout <= c.timeoutMs) return false;
  }
  if (c.recursive === true && (p['recursive'] === undefined || p['recursive'] === false)) return false;
  if (c.params !== undefined && !paramsCover(c.params, judgedArguments(request.action, p))) return false;
  return true;
}
