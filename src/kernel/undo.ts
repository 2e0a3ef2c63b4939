/**
 * The stages of `Kernel.submitUndo`: an undo is judged by the decision of the action it
 * undoes, not by a fresh policy decision. That is what lets an agent's created file be
 * removed again although the policy grants no `fs.delete`: the undo may only put back the
 * prior state of the exact canonical target that decision let the agent change.
 *
 *   validate → find provider → provider.resolve (the target must still be itself)
 *   → check the authority (allow / approved ask, on exactly this target, and a decision the
 *     current policy could make: some rule grants the action there, no unconditional deny
 *     covers it — the authority is read from the snapshot store, which the policy does not
 *     guard) → run the undo
 *
 * Like `runPipeline`, it never writes the log; the kernel records one entry (with
 * `undo_of`) whatever happened.
 */
import { Effect } from '../policy/types';
import { MalformedRequestError, UndoNotAuthorisedError } from './errors';
import { type Outcome, type PipelineDeps, type Trace, asProviderError, call, isTyped, resolveStage } from './pipeline';
import { validateRequest } from './request';
import type { UndoRequest } from './types';

/** Runs one undo. Throws only on a kernel bug (the caller records that as an error). */
export async function runUndo(undo: UndoRequest, problem: string | undefined, trace: Trace, deps: PipelineDeps): Promise<Outcome> {
  const { deadline } = deps;
  let request: NonNullable<Trace['request']>;
  let undoOf = '';
  let authority: UndoRequest['authority'] | undefined;
  let run: unknown;
  try {
    const id: unknown = undo?.undoOf;
    trace.undoOf = typeof id === 'string' ? id.slice(0, 256) : '<invalid>';
    request = validateRequest({ action: undo?.action, target: undo?.target });
    trace.request = request;
    if (problem !== undefined) throw new MalformedRequestError(problem);
    if (typeof id !== 'string' || id === '' || id.length > 256) {
      throw new MalformedRequestError('undoOf must be a non-empty string of at most 256 characters');
    }
    undoOf = id;
    const ofHash: unknown = undo.undoOfHash;
    if (ofHash !== undefined) {
      if (typeof ofHash !== 'string' || ofHash === '' || ofHash.length > 256)
        throw new MalformedRequestError('undoOfHash must be a non-empty string of at most 256 characters');
      trace.undoOfHash = ofHash;
    }
    authority = undo.authority;
    run = undo.run;
    if (typeof run !== 'function') throw new MalformedRequestError('an undo needs a run() function');
  } catch (error) {
    trace.undoOf ??= '<invalid>';
    return { kind: 'error', error };
  }
  const located = await resolveStage(request, trace, deps);
  if ('kind' in located) return located;
  const { provider, resolved } = located;

  const refusal =
    authority?.effect !== Effect.Allow && authority?.effect !== Effect.Ask
      ? `its authority is a "${String(authority?.effect)}" decision, not an allow`
      : authority.target !== request.target
        ? `its authority judged ${JSON.stringify(authority.target)}, not ${JSON.stringify(request.target)}`
        : resolved.canonicalTarget !== request.target
          ? `the target now resolves to ${JSON.stringify(resolved.canonicalTarget)}, not the target that was judged`
          : // The authority comes from the snapshot store, which the policy does not guard: it may only
            // stand for a decision the policy could have made (a forged record cannot reach a denied file).
            !deps.gate.couldAllow(request.action, request.target)
            ? `the policy never allows ${request.action} on ${JSON.stringify(request.target)}, so no decision of it can authorise this undo`
            : undefined;
  if (refusal !== undefined || authority === undefined) {
    const err = new UndoNotAuthorisedError(undoOf, refusal ?? 'it has no authority');
    return { kind: 'denied', code: err.code, reason: err.message };
  }
  trace.decision = { ...authority, reason: `undo of ${undoOf}, authorised by its original decision: ${authority.reason}` };
  // Fired already (aborted or timed out while the target was resolved): the undo never runs.
  if (deadline.fired !== undefined) return { kind: 'error', error: deadline.fired };

  try {
    const step = { request: resolved, decision: authority, provider, signal: deadline.signal };
    trace.ran = true;
    const data = await deadline.race(call(() => Reflect.apply(run as UndoRequest['run'], undo, [step]) as Promise<unknown>));
    return { kind: 'ok', data };
  } catch (error) {
    return { kind: 'error', error: isTyped(error) ? error : asProviderError(provider, error) };
  }
}
