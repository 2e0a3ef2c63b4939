/** Codes the activities answer with (in results, never thrown across the workflow boundary). */

/** Codes of the activities' own refusals. */
export const ActivityCode = {
  /** The model's arguments do not match the tool's JSON schema (an `invalid` decision). */
  InvalidArguments: 'Tool.InvalidArguments',
  /** The worker's executor cannot serve a run with its own policy (an executor without `forKernel`). */
  NarrowingUnsupported: 'Run.NarrowingUnsupported',
  /**
   * A step carries only its run policy's reference and the policy cannot be found (the run's
   * start input is not readable here, holds no policy, or one with another hash): nothing is
   * decided or run (run-policy-ref.ts).
   */
  PolicyUnavailable: 'Run.PolicyUnavailable',
  /** An undo was asked of a worker without a reversible layer. */
  NotConfigured: 'Reversible.NotConfigured',
} as const;
export type ActivityCode = (typeof ActivityCode)[keyof typeof ActivityCode];
