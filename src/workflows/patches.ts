/**
 * Patch ids for workflow changes that alter the commands a run issues.
 *
 * A run started by older workflow code must replay on newer code. Every change to
 * `src/workflows` that adds, removes or reorders commands (activities, local activities,
 * timers, child workflows, markers, search-attribute or memo upserts, continue-as-new)
 * is gated by `patched(Patch.X)` with the old branch kept, following
 * docs/versioning.md. Each id is added here once, by the change that introduces it, and
 * never renamed or reused.
 *
 * @example
 * if (patched(Patch.ExampleChange)) { await newStep(); } else { await oldStep(); }
 */
export const Patch = {} as const satisfies Record<string, string>;

/** One of the patch ids above. */
export type PatchId = (typeof Patch)[keyof typeof Patch];
