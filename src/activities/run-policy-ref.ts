/**
 * The run policy travels once (issue 22, "lean history"): the run's start input carries its
 * YAML; the `executeAction` and workspace-bound `decideAction` inputs a run records carry only
 * a reference, `sha256:<64 hex>` of that text, in the same `runPolicy` field.
 *
 * Why the same field: a worker of an older release reads `runPolicy` as YAML, and a bare
 * `sha256:…` string is not a policy document, so such a worker fails closed (the run's
 * policy is invalid, nothing runs) instead of ignoring an unknown field and deciding under
 * its ceiling alone. YAML text is never a reference: a policy is a mapping, never one scalar.
 */
import { createHash } from 'node:crypto';

/** What a run policy reference starts with. */
const RUN_POLICY_REF_PREFIX = 'sha256:';

const REF = /^sha256:([0-9a-f]{64})$/;

/** The sha256 (hex) of a run policy's text: the key narrowed views are cached by. */
export function runPolicyHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The reference a run's later steps carry instead of its policy text.
 * @example
 * runPolicyRef('version: 1\n…') // 'sha256:3f…'
 */
export function runPolicyRef(text: string): string {
  return `${RUN_POLICY_REF_PREFIX}${runPolicyHash(text)}`;
}

/** The hex hash a reference names, or undefined when `value` is not a reference (YAML text, say). */
export function refHash(value: unknown): string | undefined {
  return typeof value === 'string' ? REF.exec(value)?.[1] : undefined;
}
