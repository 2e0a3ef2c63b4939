/**
 * The kernel's view of its policy: the ceiling plus any narrowing layers, loaded and
 * compiled once at construction (fail closed: a bad policy throws there), and asked one
 * question per request — what is the decision, and which constraint applies if allowed.
 * All matching (and the merging of layers' caps) is delegated to src/policy.
 */
import { frozenCopy } from './frozen-copy';
import {
  Effect,
  compilePolicy,
  couldAllow,
  evaluate,
  evaluateLayered,
  historyEffects,
  HistoryLookup,
  loadPolicyFile,
  type CanonicalRequest,
  type CompiledPolicy,
  type Decision,
  type HistoryFacts,
  type PolicyDecision,
  type PolicyDocument,
} from '../policy/index';
import { sha256 } from './audit-record';
import type { HistoryEffects, RunHistory } from './run-history';
import type { ResolvedRequest } from './types';

/**
 * What the policy judges for a resolved request: its canonical target, its params (the
 * provider's, else the request's) and the other names the provider found for the target.
 */
export function judgedRequest(action: string, resolved: ResolvedRequest, params: Readonly<Record<string, unknown>>): CanonicalRequest {
  const aliases = resolved.aliases;
  return aliases === undefined || aliases.length === 0
    ? { action, target: resolved.canonicalTarget, params }
    : { action, target: resolved.canonicalTarget, params, aliases };
}

/** A policy given as a file path (loaded with the providers' extra actions) or as a validated document. */
export type PolicySource = string | PolicyDocument;

/**
 * Asked before every decision: a freeze in force (an emergency stop) or undefined. While it
 * returns one, every action is denied by the rule {@link FREEZE_RULE_ID}, and the audit
 * record says so. It must not throw; a check that cannot tell should report a freeze.
 */
export type FreezeCheck = () => { readonly reason: string } | undefined;

/** The rule id frozen decisions carry (`rule_id` in the audit log). */
export const FREEZE_RULE_ID = 'agent-os-freeze';

/** What the kernel needs from one evaluation. */
export interface GateVerdict {
  readonly decision: Decision;
  /** Constraint of the deciding rule (tightest caps across layers); `{}` if none. */
  readonly constraint: Readonly<Record<string, unknown>>;
}

interface Layer {
  readonly doc: PolicyDocument;
  readonly compiled: CompiledPolicy;
}

/** Loads, compiles and evaluates the kernel's policy layers. */
export class PolicyGate {
  private readonly layers: readonly Layer[];
  /** sha256 of the policy source; over all layers' hashes when the policy is narrowed. */
  readonly hash: string;
  /** True when some layer has history-aware rules (only then is the run state read or recorded). */
  readonly tracksHistory: boolean;

  /**
   * @throws PolicyValidationError / PolicyFileError / PolicyOptionsError from the loader; a
   *   TypeError for a document object that is not a loaded policy.
   */
  constructor(
    ceiling: PolicySource,
    narrow: readonly PolicySource[],
    extraActions: readonly string[],
    private readonly freeze?: FreezeCheck,
  ) {
    this.layers = [ceiling, ...narrow].map((source) => {
      // A document given as an object is copied (frozen): one the caller changes later never changes this
      // gate, nor a narrowed or reloaded one made from it, while records carry the hash of its loaded text.
      const doc = typeof source === 'string' ? loadPolicyFile(source, { extraActions }) : frozenCopy(source);
      return { doc, compiled: compilePolicy(doc) };
    });
    this.tracksHistory = this.layers.some((l) => l.compiled.history !== undefined);
    this.hash = this.layers.length === 1 ? (this.layers[0] as Layer).doc.hash : sha256(this.layers.map((l) => l.doc.hash).join('\n'));
  }

  /**
   * This gate with `narrow` layered under its existing layers (a run's own policy): the
   * result can only be as permissive as this gate, never more.
   */
  narrowedBy(narrow: readonly PolicyDocument[]): PolicyGate {
    const [ceiling, ...rest] = this.layers.map((l) => l.doc);
    return new PolicyGate(ceiling as PolicyDocument, [...rest, ...narrow], [], this.freeze);
  }

  /** True if every layer could allow `action` on the canonical `target` for some params (see could-allow.ts). */
  couldAllow(action: string, target: string): boolean {
    return this.layers.every((l) => couldAllow(l.compiled, action, target));
  }

  /**
   * Decides a canonical request (history-aware rules from `history`, a fresh run when
   * absent). May throw only on a bug in the policy engine (the kernel fails closed).
   */
  decide(request: CanonicalRequest, history?: RunHistory): GateVerdict {
    const frozen = this.frozen(request.target);
    if (frozen !== undefined) return { decision: frozen, constraint: {} };
    // With several layers the most restrictive decision wins, carrying the tightest caps of every layer.
    const decision: PolicyDecision = this.tracksHistory
      ? evaluateLayered(
          this.layers.map((l) => l.compiled),
          request,
          new HistoryLookup(history ?? {}),
        )
      : this.layers.length === 1
        ? evaluate((this.layers[0] as Layer).compiled, request)
        : evaluateLayered(
            this.layers.map((l) => l.compiled),
            request,
          );
    const constraint = decision.effect === Effect.Deny ? {} : (decision.constraint ?? {});
    return { decision, constraint: constraint as Readonly<Record<string, unknown>> };
  }

  /**
   * The denial of a request on `target` while a freeze is in force, else undefined. Asked at
   * every decision, and again after an approval a person took time over: a freeze meanwhile
   * stops the action.
   */
  frozen(target: string): Decision | undefined {
    const frozen = this.freeze?.();
    if (frozen === undefined) return undefined;
    return { effect: Effect.Deny, ruleId: FREEZE_RULE_ID, reason: `frozen: every action is denied until \`agent-os unfreeze\` (${frozen.reason})`, target };
  }

  /** What an action allowed by `decision` adds to the run state (see history.ts); undefined when nothing. */
  historyEffects(decision: Decision, facts: HistoryFacts): HistoryEffects | undefined {
    if (!this.tracksHistory) return undefined;
    return historyEffects(
      this.layers.map((l) => l.compiled),
      decision,
      facts,
    );
  }
}
