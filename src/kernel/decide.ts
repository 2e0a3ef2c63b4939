/**
 * A dry run of the gate: validate → resolve the canonical target → evaluate, without
 * executing and without an audit record. Workflows use it to record the decision in
 * history before the action runs; the later `submit` decides again at use time.
 */
import type { Decision } from '../policy/types';
import { KernelCode, NoProviderError } from './errors';
import { judgedRequest, type PolicyGate } from './policy-gate';
import { validateRequest } from './request';
import type { Provider } from './types';
import { errorCode } from '../errors';
import { hashParams } from './audit-record';
import type { RunHistory } from './run-history';

/**
 * The outcome of {@link decideRequest}. `invalid` = the request or its target cannot be judged;
 * an action no provider serves is `deny` (default deny, code `Kernel.NoProvider`).
 */
export interface KernelDecision {
  readonly effect: Decision['effect'] | 'invalid';
  readonly reason: string;
  readonly ruleId?: string;
  /** The canonical target judged (absent when the target was invalid). */
  readonly target?: string;
  /** Stable code for `invalid` outcomes, e.g. `Policy.InvalidTarget`. */
  readonly code?: string;
  /** Other names of the target that deny and ask rules matched too (a program's; kept for policy replay). */
  readonly aliases?: readonly string[];
  /**
   * For an `ask`: the hash of the params the policy judged (the provider's, e.g. a proc.exec
   * working folder at its real path). Passed back as `SubmitOptions.decided.paramsHash`, it binds
   * the approval to them: a request judged with other params at use time does not run.
   */
  readonly paramsHash?: string;
}

/** Decides a raw request without running it. Never throws. */
export async function decideRequest(raw: unknown, providers: ReadonlyMap<string, Provider>, gate: PolicyGate, history?: RunHistory): Promise<KernelDecision> {
  try {
    const request = validateRequest(raw);
    const provider = providers.get(request.action);
    if (provider === undefined) {
      const err = new NoProviderError(request.action);
      return { effect: 'deny', reason: err.message, code: err.code };
    }
    const resolved = await provider.resolve(request);
    const params = resolved.params ?? request.params;
    const { decision } = gate.decide(judgedRequest(request.action, resolved, params), history);
    return {
      effect: decision.effect,
      reason: decision.reason,
      target: decision.target,
      ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}),
      ...(resolved.aliases !== undefined && resolved.aliases.length > 0 ? { aliases: resolved.aliases } : {}),
      ...(decision.effect === 'ask' ? { paramsHash: hashParams(params) } : {}),
    };
  } catch (err) {
    try {
      const code = errorCode(err, KernelCode.DecideFailed);
      const message: unknown = err instanceof Error ? err.message : undefined;
      return { effect: 'invalid', reason: typeof message === 'string' ? message : 'the request could not be judged', code };
    } catch {
      return { effect: 'invalid', reason: 'the request could not be judged', code: KernelCode.DecideFailed };
    }
  }
}
