/**
 * The stages of `Kernel.submitUndo`: an undo is judged by the decision of the action it
 * undoes, not by a fresh policy decision. That is what lets an agent's created file be
 * removed again although the policy grants no `fs.delete`: the undo may only put back the
 * prior state of the exact canonical target that decision let the agent change.
 *
 *   validate → find provider → provider.resolve (the target must still be itself)
 *   → check the authority (allow / approved ask, on exactly this target) → run the undo
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
export async function runUndo(undo: UndoRequest, trace: Trace, deps: PipelineDeps): Promise<Outcome> {
  const { deadline } = deps;
  const undoOf: unknown = undo?.undoOf;
  trace.undoOf = typeof undoOf === 'string' ? undoOf : '<invalid>';
  let request: NonNullable<Trace['request']>;
  try {
    request = validateRequest({ action: undo?.action, target: undo?.target });
    if (typeof undoOf !== 'string' || undoOf === '' || undoOf.length > 256) {
      throw new MalformedRequestError('undoOf must be a non-empty string of at most 256 characters');
    }
    if (typeof undo.run !== 'function') throw new MalformedRequestError('an undo needs a run() function');
  } catch (error) {
    return { kind: 'error', error };
  }
  const located = await resolveStage(request, trace, deps);
  if ('kind' in located) return located;
  const { provider, resolved } = located;

  const authority = undo.authority;
  const problem =
    authority?.effect !== Effect.Allow && authority?.effect !== Effect.Ask
      ? `its authority is a "${String(authority?.effect)}" decision, not an allow`
      : authority.target !== request.target
        ? `its authority judged ${JSON.stringify(authority.target)}, not ${JSON.stringify(request.target)}`
        : resolved.canonicalTarget !== request.target
          ? `the target now resolves to ${JSON.stringify(resolved.canonicalTarget)}, not the target that was judged`
          : undefined;
  if (problem !== undefined) {
    const err = new UndoNotAuthorisedError(undoOf, problem);
    return { kind: 'denied', code: err.code, reason: err.message };
  }
  trace.decision = { ...authority, reason: `undo of ${undoOf}, authorised by its original decision: ${authority.reason}` };

  try {
    const data = await deadline.race(call(() => undo.run({ request: resolved, decision: authority, provider, signal: deadline.signal })));
    return { kind: 'ok', data };
  } catch (error) {
    return { kind: 'error', error: isTyped(error) ? error : asProviderError(provider, error) };
  }
}
