/**
 * Evaluation of the history-aware rule keys (validate-history.ts) against the run's own
 * state (src/workflows/run-history-state.ts), and what an executed action adds to it.
 *
 * A rule with history keys grants only when, in the run so far:
 * - `max_calls: N` — fewer than N actions were executed under it (counter `<layer>:<id>`);
 * - `requires` — the named rule of the same policy allowed an executed action (counter, or
 *   with `same_target` the entry `<layer>:<id> <target>`); `approval: true` — a person
 *   approved an `ask` (counter `approval`, or entry `approval <target>`);
 * - `created_by_run` — `fs.delete`: the target is in `created`; `fs.write`: the target is
 *   in `created`, or the grant carries `create_only` and the provider refuses to replace an
 *   existing file (so an overwrite of a file the run did not create never happens). When
 *   the target's entry names the file the run created (`createdFiles`), the grant carries
 *   its identity (`created_file`) and the provider acts only on that same file.
 * Otherwise the rule does not grant (evaluation goes on to other rules, then default deny)
 * and the reason says which key refused. Pure; never throws on user data.
 */
import type { CompiledPolicy } from './compile';
import type { PolicyDecision } from './evaluate';
import { RuleKind, type CanonicalRequest, type Rule } from './types';
import { approvalKey, splitCreatedFile, type HistoryEffects, type RunHistory } from '../workflows/run-history-state';

/** The run state, indexed for lookups. */
export class HistoryLookup {
  private readonly grantedSet: ReadonlySet<string>;
  private readonly createdSet: ReadonlySet<string>;
  /** Target → the identity of the file the run created there (entries of `createdFiles`). */
  private readonly files: ReadonlyMap<string, string>;

  constructor(readonly state: RunHistory) {
    this.grantedSet = new Set(Array.isArray(state.granted) ? state.granted : []);
    const files = new Map<string, string>();
    for (const e of Array.isArray(state.createdFiles) ? state.createdFiles : []) {
      if (typeof e !== 'string' || e.indexOf(' ') <= 0) continue;
      const { file, target } = splitCreatedFile(e);
      files.set(target, file);
    }
    this.files = files;
    this.createdSet = new Set([...(Array.isArray(state.created) ? state.created : []), ...files.keys()]);
  }

  /** Executed actions counted under `key`. */
  calls(key: string): number {
    const n = this.state.calls?.[key];
    return typeof n === 'number' && Number.isFinite(n) ? n : 0;
  }

  granted(key: string, target: string): boolean {
    return this.grantedSet.has(`${key} ${target}`);
  }

  created(target: string): boolean {
    return this.createdSet.has(target);
  }

  /** The identity of the file the run created at `target`, when recorded with it. */
  createdFile(target: string): string | undefined {
    return this.files.get(target);
  }
}

/** The state of a fresh run (nothing happened yet). */
export const EMPTY_HISTORY = new HistoryLookup({});

/** The run state and the layer (0 = ceiling) a policy is evaluated at. */
export interface HistoryContext {
  readonly lookup: HistoryLookup;
  readonly layer: number;
}

/** Which history a compiled policy needs recorded; absent when no rule has history keys. */
export interface HistoryTracking {
  /** Rules whose executed actions are counted (`max_calls`, or named by a `requires`). */
  readonly counted: ReadonlySet<string>;
  /** Rules whose targets are recorded (named by a `requires … same_target`). */
  readonly targeted: ReadonlySet<string>;
  /** Approvals are counted / recorded with their target. */
  readonly approvals: boolean;
  readonly approvalTargets: boolean;
  /** Targets created by fs.write are recorded. */
  readonly created: boolean;
}

/** What the policy's rules need recorded, or undefined when none has history keys. */
export function historyTracking(rules: readonly Rule[]): HistoryTracking | undefined {
  const withHistory = rules.filter((r) => r.history !== undefined);
  if (withHistory.length === 0) return undefined;
  const counted = new Set<string>();
  const targeted = new Set<string>();
  let approvals = false;
  let approvalTargets = false;
  let created = false;
  for (const r of withHistory) {
    const h = r.history ?? {};
    if (h.max_calls !== undefined) counted.add(r.id);
    if (h.created_by_run === true) created = true;
    const req = h.requires;
    if (req === undefined) continue;
    if ('rule' in req) (req.same_target === true ? targeted : counted).add(req.rule);
    else if (req.same_target === true) approvalTargets = true;
    else approvals = true;
  }
  return { counted, targeted, approvals, approvalTargets, created };
}

/** Why `rule` does not grant `request` given the run so far, or undefined when it may. */
export function historyMiss(rule: Rule, request: CanonicalRequest, ctx: HistoryContext = { lookup: EMPTY_HISTORY, layer: 0 }): string | undefined {
  const h = rule.history;
  if (h === undefined) return undefined;
  const { lookup, layer } = ctx;
  if (h.max_calls !== undefined) {
    const used = lookup.calls(`${layer}:${rule.id}`);
    if (used >= h.max_calls) return `its max_calls of ${h.max_calls} per run is used up (${used} call(s) so far)`;
  }
  const req = h.requires;
  if (req !== undefined) {
    const what = 'rule' in req ? `rule ${req.rule}` : 'an approval';
    const met =
      'rule' in req
        ? req.same_target === true
          ? lookup.granted(`${layer}:${req.rule}`, request.target)
          : lookup.calls(`${layer}:${req.rule}`) > 0
        : approvalMet(lookup, layer, req.same_target === true ? request.target : undefined);
    if (!met)
      return `it requires ${what} to have allowed an action earlier in this run${req.same_target === true ? ` on ${request.target}` : ''}, and none did`;
  }
  if (h.created_by_run === true && request.action !== 'fs.write' && !lookup.created(request.target)) {
    const lost = lookup.state.dropped ? ` (the run state is full: ${lookup.state.dropped} entr(ies) were not kept)` : '';
    return `it allows only targets this run created, and this run did not create ${request.target}${lost}`;
  }
  return undefined;
}

/**
 * True when a person approved an `ask` of layer `layer` or of a layer above it (on `target`, when
 * given). The ceiling's approvals count for every layer; a run policy's own asks never count for
 * the ceiling, or a run policy could unlock a ceiling's `requires: { approval: true }` by asking
 * about something harmless.
 */
function approvalMet(lookup: HistoryLookup, layer: number, target: string | undefined): boolean {
  for (let k = 0; k <= layer; k++) {
    if (target === undefined ? lookup.calls(approvalKey(k)) > 0 : lookup.granted(approvalKey(k), target)) return true;
  }
  return false;
}

/**
 * A phrase for a granting rule's reason: the call it uses, and for `created_by_run` on a
 * new fs.write target that the write may only create. Empty for a rule without history keys.
 */
export function historyNote(rule: Rule, request: CanonicalRequest, ctx: HistoryContext): string {
  const h = rule.history;
  if (h === undefined) return '';
  const parts: string[] = [];
  if (h.max_calls !== undefined) parts.push(`call ${ctx.lookup.calls(`${ctx.layer}:${rule.id}`) + 1} of at most ${h.max_calls} this run`);
  if (h.requires !== undefined) parts.push(`requirement ${'rule' in h.requires ? `rule ${h.requires.rule}` : 'approval'} met`);
  if (h.created_by_run === true) parts.push(createOnly(rule, request, ctx) ? 'a new file only: not created by this run' : 'created by this run');
  return ` (${parts.join('; ')})`;
}

/**
 * The identity of the file a grant of `created_by_run` for an fs.write or fs.delete relies
 * on: the provider replaces or deletes the file at the target only if it is this one.
 * Undefined for other rules, a new target, or an entry recorded without identity (older code).
 */
export function createdFileOf(rule: Rule, request: CanonicalRequest, ctx: HistoryContext): string | undefined {
  if (rule.history?.created_by_run !== true || (request.action !== 'fs.write' && request.action !== 'fs.delete')) return undefined;
  return ctx.lookup.createdFile(request.target);
}

/** True when the grant of an fs.write under `created_by_run` may only create a new file. */
export function createOnly(rule: Rule, request: CanonicalRequest, ctx: HistoryContext): boolean {
  return rule.history?.created_by_run === true && request.action === 'fs.write' && !ctx.lookup.created(request.target);
}

/** The layers whose deciding rule (in `grantedBy`) is an `ask` rule. */
function askingLayers(policies: readonly CompiledPolicy[], decision: PolicyDecision): number[] {
  const layers: number[] = [];
  for (const key of decision.grantedBy ?? []) {
    const colon = key.indexOf(':');
    const layer = Number(key.slice(0, colon));
    if (policies[layer]?.byId.get(key.slice(colon + 1))?.kind === RuleKind.Ask && !layers.includes(layer)) layers.push(layer);
  }
  return layers;
}

/** What happened with an executed action, as {@link historyEffects} needs it. */
export interface HistoryFacts {
  readonly request: CanonicalRequest;
  readonly approved: boolean;
  /** The fs.write created the target, or wrote a target the run created again. */
  readonly created?: boolean;
  readonly deleted?: boolean;
  /** The identity of the file the fs.write left at the target, as its provider reported it. */
  readonly file?: string;
}

/**
 * What an executed action adds to the run state under `policies` (the layers, ceiling
 * first), given the decision that allowed it (`grantedBy`) and what happened. Undefined
 * when nothing is to be recorded (always so for policies without history keys).
 */
export function historyEffects(policies: readonly CompiledPolicy[], decision: PolicyDecision, facts: HistoryFacts): HistoryEffects | undefined {
  const tracking = policies.map((p) => p.history);
  if (tracking.every((t) => t === undefined)) return undefined;
  const calls: string[] = [];
  const granted: string[] = [];
  const { target } = facts.request;
  for (const key of decision.grantedBy ?? []) {
    const colon = key.indexOf(':');
    const t = tracking[Number(key.slice(0, colon))];
    const id = key.slice(colon + 1);
    if (t?.counted.has(id)) calls.push(key);
    if (t?.targeted.has(id)) granted.push(`${key} ${target}`);
  }
  if (facts.approved) {
    // Counted per layer whose deciding rule asked (the ceiling's as before, under `approval`).
    for (const layer of askingLayers(policies, decision)) {
      if (tracking.some((t) => t?.approvals)) calls.push(approvalKey(layer));
      if (tracking.some((t) => t?.approvalTargets)) granted.push(`${approvalKey(layer)} ${target}`);
    }
  }
  const tracksCreated = tracking.some((t) => t?.created);
  const created = tracksCreated && facts.created === true && facts.request.action === 'fs.write';
  const removed = tracksCreated && facts.deleted === true && facts.request.action === 'fs.delete';
  if (calls.length === 0 && granted.length === 0 && !created && !removed) return undefined;
  return {
    ...(calls.length > 0 ? { calls } : {}),
    ...(granted.length > 0 ? { granted } : {}),
    ...(created ? { created: target, ...(facts.file === undefined ? {} : { createdFile: facts.file }) } : {}),
    ...(removed ? { removed: target } : {}),
  };
}
