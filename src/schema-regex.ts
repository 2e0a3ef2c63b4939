/**
 * JSON Schemas checked on the worker without their regular expressions. A schema's `pattern`
 * and `patternProperties` are ECMAScript regular expressions that ajv runs with the native
 * engine, on the event loop, with no time limit: a pattern that backtracks exponentially
 * (`^(a+)+$`) against a crafted string (an agent's argument, a server's structured content)
 * blocks every run of the worker for minutes, and no timeout can fire meanwhile (red team 14).
 * The worker's checks of tool arguments are a convenience — the policy has already decided,
 * and the program or server behind the tool checks its own input — so they drop what they
 * cannot evaluate safely and keep the rest.
 */

/** Values that are data, not schemas: left as they are. */
const DATA = new Set(['const', 'enum', 'default', 'examples']);

/**
 * A copy of `schema` that evaluates no regular expression and accepts everything the
 * original accepts: every string `pattern` is removed, and every `patternProperties` together
 * with the `additionalProperties` and `unevaluatedProperties` of the same schema (the
 * properties those patterns matched would otherwise count as additional). Nothing else
 * changes; `const`, `enum`, `default` and `examples` are copied untouched.
 * @example
 * withoutRegExps({ type: 'string', pattern: '^(a+)+$', maxLength: 9 }); // { type: 'string', maxLength: 9 }
 */
export function withoutRegExps(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRegExps);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const patterned = typeof source['patternProperties'] === 'object' && source['patternProperties'] !== null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'pattern' && typeof value === 'string') continue;
    if (patterned && (key === 'patternProperties' || key === 'additionalProperties' || key === 'unevaluatedProperties')) continue;
    // defineProperty: a key named "__proto__" stays a key, as JSON.parse made it.
    Object.defineProperty(out, key, { value: DATA.has(key) ? value : withoutRegExps(value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
