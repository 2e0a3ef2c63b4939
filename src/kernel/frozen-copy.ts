/**
 * What the kernel hands code it does not run itself — the `approve` callback, the `observe`
 * callback — is a frozen copy, never the object the kernel goes on with. The approve callback
 * was handed the very request and decision the provider then ran on and the record was written
 * from: an approver that changed what it was shown (a UI that "tidies" the request, a plugin it
 * passes the object to) re-pointed an approved write from drafts/ to a denied prod/ while the
 * result and the record said drafts/, added arguments nobody judged, and renamed the rule in
 * the record (red team 15).
 */

/**
 * A deep copy of `value` in which every plain object and array is frozen (a change throws in
 * strict mode and does nothing otherwise). Instances of other classes, which the kernel cannot
 * copy faithfully (a custom provider's `facts`), are handed on as they are. Cycles are kept.
 * @example
 * const shown = frozenCopy({ target: '/workspace/a', params: { args: ['x'] } });
 * Object.isFrozen(shown.params.args); // → true
 */
export function frozenCopy<T>(value: T): T {
  return copy(value, new Map()) as T;
}

function copy(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(copy(value[i], seen));
    return Object.freeze(out);
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [key, item] of Object.entries(value)) {
    // Defined, never assigned: a "__proto__" key stays a key and sets no prototype.
    Object.defineProperty(out, key, { value: copy(item, seen), enumerable: true });
  }
  return Object.freeze(out);
}
