/**
 * `evaluateLayered`: several policies judge one request and the most restrictive
 * decision wins (deny > ask > allow). A run's own policy is layered under the worker's
 * ceiling, so it can only narrow what the worker permits: its allow never widens.
 */
import type { CompiledPolicy } from './compile';
import { evaluate, type PolicyDecision } from './evaluate';
import { Effect, NetworkGrant, type CanonicalRequest, type RuleConstraint } from './types';
import type { HistoryLookup } from './history';

const RANK: Readonly<Record<Effect, number>> = { [Effect.Allow]: 0, [Effect.Ask]: 1, [Effect.Deny]: 2 };

/**
 * The most restrictive decision of `policies` (ties: the earliest policy's). With no
 * policies, deny. A grant (allow or ask) carries the tightest caps of every layer that
 * granted: the least `max_bytes` and `timeout_ms`, `recursive` only if all allow it, and
 * `network: proxy` only if every granting rule grants it (a run policy may take network
 * away, never give it), `create_only` if any sets it, `protected_below` the union of every layer's, and `created_file` (the file a
 * `created_by_run` grant relies on; every layer reads the same run state) if any sets it. With a run `history`, layer i is
 * judged at layer index i and the decision lists every granting layer's rule in `grantedBy`.
 * Never throws.
 *
 * @example
 * evaluateLayered([workerCeiling, runPolicy], request);
 */
export function evaluateLayered(policies: readonly CompiledPolicy[], request: CanonicalRequest, history?: HistoryLookup): PolicyDecision {
  let worst: PolicyDecision | undefined;
  const grants: PolicyDecision[] = [];
  const notes: string[] = [];
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i] as CompiledPolicy;
    const d = evaluate(policy, request, history === undefined ? undefined : { lookup: history, layer: i });
    if (d.effect !== Effect.Deny) grants.push(d);
    if (d.effect !== Effect.Deny && policy.history !== undefined) notes.push(`layer ${i}: ${d.reason}`);
    if (worst === undefined || RANK[d.effect] > RANK[worst.effect]) worst = d;
    if (d.effect === Effect.Deny) return d;
  }
  if (worst === undefined) {
    const target = typeof request?.target === 'string' ? request.target : String(request?.target);
    return { effect: Effect.Deny, reason: `no policy is loaded, so ${String(request?.action)} on ${target} is denied`, target };
  }
  if (grants.length <= 1) return worst;
  const merged = { ...worst, constraint: tightestCaps(worst.constraint ?? {}, grants) };
  if (history === undefined) return merged;
  // The named decision is the ceiling's; a narrowing layer's history-aware grant says which call it used.
  const extra = notes.filter((n) => !n.endsWith(worst.reason));
  return { ...merged, reason: [worst.reason, ...extra].join('; '), grantedBy: grants.flatMap((g) => g.grantedBy ?? []) };
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
  const createOnly = decisions.some((d) => d.constraint?.create_only === true);
  const createdFile = decisions.find((d) => d.constraint?.created_file !== undefined)?.constraint?.created_file;
  const protectedBelow = [...new Set(decisions.flatMap((d) => d.constraint?.protected_below ?? []))];
  const { recursive: _recursive, network: _network, create_only: _createOnly, created_file: _createdFile, protected_below: _protectedBelow, ...rest } = base;
  return {
    ...rest,
    ...(maxBytes === undefined ? {} : { max_bytes: maxBytes }),
    ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }),
    ...(recursive ? { recursive: true } : {}),
    ...(network ? { network: NetworkGrant.Proxy } : {}),
    ...(createOnly ? { create_only: true } : {}),
    ...(createdFile === undefined ? {} : { created_file: createdFile }),
    ...(protectedBelow.length === 0 ? {} : { protected_below: protectedBelow }),
  };
}
