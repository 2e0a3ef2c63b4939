/**
 * What the snapshot store keeps per reversible action: one JSON manifest (hashes of file
 * contents, and the contents themselves only for small snapshots, see record-blobs.ts) that
 * moves through a small state machine:
 *
 *   registered ─(allowed; snapshot persisted)→ pending ─(action took effect)→ applied ─→ rolled-back
 *        └──────────────(rolled back before it took effect)──────────→ revoked
 *
 * `pending` is written *before* the provider runs, so a crash at any point leaves a record
 * that tells what the target looked like before and what the action meant to leave behind.
 */
import { canonicalJson } from '../kernel/audit-record';
import type { Decision } from '../policy/types';

/** Where a record is in its life. */
export const RecordState = {
  Registered: 'registered',
  Pending: 'pending',
  Applied: 'applied',
  RolledBack: 'rolled-back',
  Revoked: 'revoked',
} as const;
export type RecordState = (typeof RecordState)[keyof typeof RecordState];

/**
 * The state of one target as a strategy describes it; two states are equal when their
 * canonical JSON is. For files: `{ kind: 'absent' }` or `{ kind: 'file', sha256, size, mode }`.
 */
export interface TargetState {
  readonly kind: string;
  readonly [fact: string]: unknown;
}

/** What a strategy captured right before an action ran. JSON only. */
export interface Snapshot {
  /** The target before the action. */
  readonly before: TargetState;
  /** The state the action is meant to leave (tells applied from not applied, and later changes from none). */
  readonly after: TargetState;
  /** sha256 digests of the blobs this snapshot needs; the store keeps them while the record lives. */
  readonly blobs: readonly string[];
  /** Strategy-specific facts, e.g. how many folders the action creates. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** One record of the store (`records/<recordId>.json`). */
export interface RecordManifest {
  readonly version: 1;
  readonly recordId: string;
  readonly idempotencyKey?: string;
  readonly state: RecordState;
  /** Name of the strategy that snapshots (and undoes) this action. */
  readonly strategy: string;
  readonly action: string;
  /** The target as the agent wrote it. */
  readonly target: string;
  /** sha256 of the canonical JSON of the params (the params themselves are not kept). */
  readonly paramsHash: string;
  /** The canonical target the policy judged (from `pending` on). */
  readonly canonicalTarget?: string;
  /** The decision that allowed the action: the authority of its undo. */
  readonly decision?: Decision;
  readonly snapshot?: Snapshot;
  /**
   * Small snapshot blobs kept in the manifest instead of a blob file (record-blobs.ts):
   * sha256 digest → base64 bytes. Never in a state-log line (the manifest keeps them).
   */
  readonly inlineBlobs?: Readonly<Record<string, string>>;
  /** Provider output of the applied action, returned again to a retry. */
  readonly data?: unknown;
  /** Audit record (hash) of the submit that applied the action, and of its undo. */
  readonly auditRecordId?: string;
  readonly undoAuditRecordId?: string;
  /** ISO 8601 times. `updatedAt` starts the `ttl`. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A record as the saga's query shows it. */
export interface RecordSummary {
  readonly recordId: string;
  readonly state: RecordState;
  readonly action: string;
  readonly target: string;
  readonly canonicalTarget?: string;
  readonly idempotencyKey?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** True if two target states are the same state. */
export function sameState(a: TargetState, b: TargetState): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The summary of a manifest. */
export function summarize(m: RecordManifest): RecordSummary {
  return {
    recordId: m.recordId,
    state: m.state,
    action: m.action,
    target: m.target,
    ...(m.canonicalTarget === undefined ? {} : { canonicalTarget: m.canonicalTarget }),
    ...(m.idempotencyKey === undefined ? {} : { idempotencyKey: m.idempotencyKey }),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** `m` moved to `state` with `changes`, stamped now. */
export function advance(m: RecordManifest, state: RecordState, changes: Partial<RecordManifest> = {}): RecordManifest {
  return { ...m, ...changes, state, updatedAt: new Date().toISOString() };
}
