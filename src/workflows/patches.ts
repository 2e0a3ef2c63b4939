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
export const Patch = {
  /**
   * 0.2.0: the whole start input is checked at the door (input-check.ts) and the tools'
   * parameter schemas by `workerInfo`; bad input fails the run as `Run.InvalidInput`.
   */
  CheckInputAtTheDoor: 'check-input-at-the-door',
  /**
   * 0.2.0: every model tool call ends in exactly one kernel audit record and one activity
   * step with a summary (refusals before the gate go through `recordRefusal`), and is
   * counted in `usage.toolCalls`.
   */
  AuditEveryToolCall: 'audit-every-tool-call',
  /**
   * 0.2.0: approval ids come from a workflow sequence (`approval-1`, …), never from the
   * model's call id; the approval's audit record names the update's caller identity.
   */
  WorkflowApprovalIds: 'workflow-approval-ids',
  /**
   * 0.2.0: workspace-bound steps have a schedule-to-start limit (`Host.Unavailable`),
   * compensations retry up to a long limit, and a run whose compensation finally failed
   * fails as `Run.CompensationFailed` listing them. In `rollbackRun`: the same undo limits,
   * and its whole input is checked (`Run.InvalidInput`).
   */
  DeadHostsAndCompensation: 'dead-hosts-and-compensation',
  /**
   * Every run has a deadline within the worker's `maxDeadlineMs`: a run that asks for none
   * gets the cap (it had none); and `carried` is honoured only in a run that continued as new
   * (else `Run.InvalidInput`): a client starting a run with it could lift the deadline cap
   * (`deadlineAt`) or have the run undo another run's actions (`compensations`).
   */
  DeadlineCap: 'deadline-cap',
  /**
   * A call waiting for approval when its run is cancelled (or its deadline passes) is
   * recorded as refused (`Kernel.ApprovalCancelled`) before the cancellation goes on: before,
   * it had no record at all. Asked where it happens (only such runs carry the marker).
   */
  RecordCancelledApprovals: 'record-cancelled-approvals',
  /**
   * A call whose `decideAction` failed for good (after its retries, or not retryable; e.g. the
   * run policy's lookup errs) is recorded (`ERROR Kernel.DecideFailed`, via `recordRefusal`)
   * before the failure fails the run: before, the call had no record. Asked where it happens.
   */
  RecordFailedDecides: 'record-failed-decides',
  /**
   * Calls the run never ran because it stopped first — the rest of a model turn after a call
   * that stopped the run (a budget, a cancellation, the deadline, a failure), a reply over the
   * token budget, a call cancelled while it was decided — are recorded (`DENIED Run.Stopped`,
   * via `recordRefusals`) before the run ends: before, they had no record. Asked where it happens.
   */
  RecordUnrunCalls: 'record-unrun-calls',
  /**
   * An undo of a compensation whose action took effect (`applied`) that finds no record of it
   * in the snapshot store (swept after its ttl, evicted, deleted) fails (`ERROR
   * Reversible.UnknownRecord`, the run's `Run.CompensationFailed`) instead of passing as
   * `NOOP` "the action never took effect". Asked where it happens (only such runs carry the marker).
   */
  LostRecordFails: 'lost-record-fails',
  /**
   * A `recordRefusal` step is not cancelled with its run: a run cancelled while the step waited
   * for a worker (all of its activity slots busy, a workspace host slow to poll) lost the
   * refused call's one record. The step now finishes, then the cancellation goes on. Asked at
   * the first refusal of a run (only runs that refuse a call carry the marker).
   */
  RecordRefusalsWhenCancelled: 'record-refusals-when-cancelled',
  /**
   * A call whose `executeAction` step was cancelled with its run before any worker picked it up
   * (so the kernel never saw it) is recorded (`UNKNOWN`, via `recordRefusal` on the run's own
   * worker) before the cancellation goes on: before, it had no record. Unknown, not "not run":
   * the server says the same of a step waiting for a retry, whose earlier attempt may have run
   * it. A step that started was recorded by the kernel itself (its cancellation carries that
   * answer). Asked where it happens (only such runs carry the marker).
   */
  RecordUnstartedCalls: 'record-unstarted-calls',
  /**
   * An fs.write's content counts against `maxBytesWritten` as the bytes it puts on disk: a lone
   * surrogate as U+FFFD, 3 bytes. Before, a high surrogate counted 4 bytes with the code unit
   * after it, whatever that was, so `"\ud800\u4e00"` (6 bytes written) counted 4 and a run
   * wrote half as much again as its budget (red team 14d). Asked only for a content whose two
   * counts differ (only such runs carry the marker).
   */
  CountLoneSurrogates: 'count-lone-surrogates',
} as const satisfies Record<string, string>;
