/**
 * Where a payload belongs: the SDK's `SerializationContext` (experimental in @temporalio 1.24)
 * in a canonical, comparable form. The codec writes it into an encrypted payload's metadata
 * (`encryption-context`) and authenticates it as part of the AAD (format v2), so a payload
 * moved to another workflow, or to another activity of the same run, names the place it was
 * written for — and a reader that knows where it is reading refuses it (`Codec.Misplaced`).
 *
 * Bound: the namespace and workflow id (workflow payloads: inputs, results, signals, queries,
 * updates, memo, workflow failures), plus the activity id and local/remote (activity inputs,
 * results, heartbeat details, activity failures). Not bound: the run id (the SDK does not
 * pass it), the field (input vs result) or event within that scope.
 */
import type { SerializationContext } from '@temporalio/common';

/** Metadata key holding a payload's binding (JSON text of {@link Binding}). */
export const CONTEXT_METADATA = 'encryption-context';

/** A canonical binding: `['workflow', ns, workflowId]` or `['activity', ns, workflowId, activityId, isLocal]`. */
export type Binding = readonly ['workflow', string, string] | readonly ['activity', string, string | null, string | null, boolean];

/** The binding of a serialization context. */
export function bindingOf(context: SerializationContext): Binding {
  return context.type === 'workflow'
    ? ['workflow', context.namespace, context.workflowId]
    : ['activity', context.namespace, context.workflowId ?? null, context.activityId ?? null, context.isLocal];
}

/** The metadata text of a binding (stable: the same context always gives the same bytes). */
export function bindingText(binding: Binding): string {
  return JSON.stringify(binding);
}

/** Parses a binding's metadata text; undefined when it is not one. */
export function parseBinding(text: string): Binding | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const str = (v: unknown): boolean => typeof v === 'string';
  const opt = (v: unknown): boolean => v === null || typeof v === 'string';
  if (value.length === 3 && value[0] === 'workflow' && str(value[1]) && str(value[2])) return value as unknown as Binding;
  if (value.length === 5 && value[0] === 'activity' && str(value[1]) && opt(value[2]) && opt(value[3]) && typeof value[4] === 'boolean')
    return value as unknown as Binding;
  return undefined;
}

/** A binding in words, for messages: `workflow "wf-1" (namespace default)`, `activity 4 of workflow "wf-1" …`. */
export function describeBinding(binding: Binding): string {
  if (binding[0] === 'workflow') return `workflow "${binding[2]}" (namespace ${binding[1]})`;
  const [, namespace, workflowId, activityId, isLocal] = binding;
  return `${isLocal ? 'local activity' : 'activity'} ${activityId === null ? '(no id)' : `"${activityId}"`} of workflow ${workflowId === null ? '(unknown)' : `"${workflowId}"`} (namespace ${namespace})`;
}
