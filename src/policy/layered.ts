/**
 * `evaluateLayered`: several policies judge one request and the most restrictive
 * decision wins (deny > ask > allow). A run's own policy is layered under the worker's
 * ceiling, so it can only narrow what the worker permits: its allow never widens.
 */
import type { CompiledPolicy } from './compile';
import { evaluate, type PolicyDecision } from './evaluate';
import { Effect, NetworkGrant, type CanonicalRequest, type RuleConstraint } from './types';

const RANK: Readonly<Record<Effect, number>> = { [Effect.Allow]: 0, [Effect.Ask]: 1, [Effect.Deny]: 2 };

/**
 * The most restrictive decision of `policies` (ties: the earliest policy's). With no
 * policies, deny. A grant (allow or ask) carries the tightest caps of every layer that
 * granted: the least `max_bytes` and `timeout_ms`, `recursive` only if all allow it, and
 * `network: proxy` only if every granting rule grants it (a run policy may take network
 * away, never give it). Never throws.
 *
 * @example
 * evaluateLayered([workerCeiling, runPolicy], request);
 */
export function evaluateLayered(policies: readonly CompiledPolicy[], request: CanonicalRequest): PolicyDecision {
  let worst: PolicyDecision | undefined;
  const grants: PolicyDecision[] = [];
  for (const policy of policies) {
    const d = evaluate(policy, request);
    if (d.effect !== Effect.Deny) grants.push(d);
    if (worst === undefined || RANK[d.effect] > RANK[worst.effect]) worst = d;
    if (d.effect === Effect.Deny) return d;
  }
  if (worst === undefined) {
    const target = typeof request?.target === 'string' ? request.target : String(request?.target);
    return { effect: Effect.Deny, reason: `no policy is loaded, so ${String(request?.action)} on ${target} is denied`, target };
  }
  return grants.length > 1 ? { ...worst, constraint: tightestCaps(worst.constraint ?? {}, grants) } : worst;
}

/** `base` with `max_bytes`, `timeout_ms`, `recursive` and `network` tightened to the strictest of every decision. */
function tightestCaps(base: RuleConstraint, decisions: readonly PolicyDecision[]): RuleConstraint {
  let maxBytes = base.max_bytes;
  let timeoutMs = base.timeout_ms;
  for (const { constraint: c } of decisions) {
    if (c?.max_bytes !== undefined) maxBytes = maxBytes === undefined ? c.max_bytes : Math.min(maxBytes, c.max_bytes);
    if (c?.timeout_ms !== undefined) timeoutMs = timeoutMs === undefined ? c.timeout_ms : Math.min(timeoutMs, c.timeout_ms);
  }
  const recursive = decisions.every((d) => d.constraint?.recursive === true);
  const network = decisions.every((d) => d.constraint?.network === NetworkGrant.Proxy);
  const { recursive: _recursive, network: _network, ...rest } = base;
  return {
    ...rest,
    ...(maxBytes === undefined ? {} : { max_bytes: maxBytes }),
    ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }),
    ...(recursive ? { recursive: true } : {}),
    ...(network ? { network: NetworkGrant.Proxy } : {}),
  };
}
