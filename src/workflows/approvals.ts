/**
 * Human approvals of `ask` decisions. A pending approval waits durably (a workflow
 * condition with a timer) for the `approve` update; it times out to deny. The count of
 * pending approvals is kept in the `AgentOsPendingApprovals` search attribute, so
 * operators find waiting runs from the CLI and the Web UI.
 */
import { condition, currentUpdateInfo, upsertSearchAttributes } from '@temporalio/workflow';
import { MAX_APPROVAL_PARAMS_CHARS, type ApprovalDecision, type PendingApproval } from './types';

/**
 * The params a person is shown with a pending approval: their JSON, cut to
 * {@link MAX_APPROVAL_PARAMS_CHARS} characters (the cut says how much is left out). Undefined
 * for no params; never throws.
 */
export function paramsPreview(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  let text: string | undefined;
  try {
    text = params === undefined || Object.keys(params).length === 0 ? undefined : JSON.stringify(params);
  } catch {
    return '(params not shown: not serialisable as JSON)';
  }
  if (text === undefined || text.length <= MAX_APPROVAL_PARAMS_CHARS) return text;
  return `${text.slice(0, MAX_APPROVAL_PARAMS_CHARS)}… [${text.length - MAX_APPROVAL_PARAMS_CHARS} more characters]`;
}

/** How an approval ended. */
export interface ApprovalOutcome {
  readonly allow: boolean;
  readonly approver?: string;
  readonly reason?: string;
  readonly timedOut: boolean;
  /** The id of the `approve` update that decided (its caller's identity is in history). */
  readonly updateId?: string;
}

interface Slot {
  readonly pending: PendingApproval;
  decision?: ApprovalDecision;
  updateId?: string;
}

/** The approvals of one run. */
export class Approvals {
  private readonly slots = new Map<string, Slot>();
  private readonly decided = new Set<string>();

  /** Approvals waiting for a person. */
  list(): PendingApproval[] {
    return [...this.slots.values()].filter((s) => s.decision === undefined).map((s) => s.pending);
  }

  /** Why this decision cannot be accepted, or undefined (the update's validator). */
  refuse(decision: ApprovalDecision): string | undefined {
    const shape = 'approve needs { requestId: string, allow: boolean, reason?: string, approver?: string }';
    if (typeof decision !== 'object' || decision === null || Array.isArray(decision)) return shape;
    if (typeof decision.requestId !== 'string' || typeof decision.allow !== 'boolean') return shape;
    const extra = Object.keys(decision).filter((k) => !['requestId', 'allow', 'reason', 'approver'].includes(k));
    if (extra.length > 0) return `${shape}; unknown field(s): ${extra.join(', ')}`;
    if (decision.reason !== undefined && (typeof decision.reason !== 'string' || decision.reason.length > 4096))
      return `${shape}; reason must be a string of at most 4,096 characters`;
    if (decision.approver !== undefined && (typeof decision.approver !== 'string' || decision.approver.length > 256))
      return `${shape}; approver must be a string of at most 256 characters`;
    if (this.decided.has(decision.requestId)) return `approval "${decision.requestId}" was already decided`;
    if (!this.slots.has(decision.requestId)) {
      const known = this.list().map((p) => p.requestId);
      return `unknown approval request "${decision.requestId}"; pending: ${known.join(', ') || '(none)'}`;
    }
    return undefined;
  }

  /** Accepts a validated decision (the update's handler). */
  decide(decision: ApprovalDecision): void {
    const slot = this.slots.get(decision.requestId);
    if (slot && slot.decision === undefined) {
      slot.decision = decision;
      const updateId = currentUpdateInfo()?.id;
      if (updateId !== undefined) slot.updateId = updateId;
      this.decided.add(decision.requestId);
    }
  }

  /** Waits for a person's decision, or denies after `timeoutMs`. */
  async request(pending: PendingApproval, timeoutMs: number): Promise<ApprovalOutcome> {
    const slot: Slot = { pending };
    this.slots.set(pending.requestId, slot);
    this.publish();
    try {
      const answered = await condition(() => slot.decision !== undefined, timeoutMs);
      if (!answered || slot.decision === undefined) {
        this.decided.add(pending.requestId);
        return { allow: false, timedOut: true, reason: `no decision within ${timeoutMs} ms` };
      }
      const d = slot.decision;
      return {
        allow: d.allow,
        timedOut: false,
        ...(slot.updateId !== undefined ? { updateId: slot.updateId } : {}),
        ...(d.approver !== undefined ? { approver: d.approver } : {}),
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
      };
    } finally {
      this.slots.delete(pending.requestId);
      this.publish();
    }
  }

  private publish(): void {
    upsertSearchAttributes({ AgentOsPendingApprovals: [this.list().length] });
  }
}
