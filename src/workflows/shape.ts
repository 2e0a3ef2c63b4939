/**
 * A small, typed description of plain-data shapes and a checker over it, for input that
 * crosses the workflow boundary (start arguments, update arguments). Pure and
 * deterministic, so it runs in the workflow sandbox. (ajv also runs there, but it would add
 * its code generator to every workflow bundle and compile on every cold start and replay,
 * and these messages must name path, expected shape and given value; tool argument schemas
 * — real JSON Schema — are checked with ajv, in activities.)
 *
 * Every problem names its path (`tools[0].targetFrom`), what was expected and what was given.
 */

/** A shape a value must have. */
export type Shape =
  | { readonly kind: 'string'; readonly expect: string; readonly nonEmpty?: boolean; readonly pattern?: RegExp; readonly maxLength?: number }
  | { readonly kind: 'integer'; readonly expect: string; readonly min: number }
  | { readonly kind: 'boolean'; readonly expect: string }
  /** Any plain JSON object (e.g. a JSON Schema, fixed params). */
  | { readonly kind: 'record'; readonly expect: string }
  | { readonly kind: 'object'; readonly expect: string; readonly fields: Readonly<Record<string, Field>> }
  | { readonly kind: 'array'; readonly expect: string; readonly items: Shape; readonly maxItems?: number };

/** One field of an object shape. */
export interface Field {
  readonly shape: Shape;
  readonly required?: boolean;
}

/** Most problems reported for one value (the rest are counted). */
const MAX_PROBLEMS = 10;

/** Describes a value briefly for a problem message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** True for `{…}` (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks `value` against `shape`; returns every problem as `path: expected …, got …`. */
export function checkShape(value: unknown, shape: Shape, path: string): string[] {
  const problems: string[] = [];
  walk(value, shape, path, problems);
  if (problems.length > MAX_PROBLEMS) return [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`];
  return problems;
}

function walk(value: unknown, shape: Shape, path: string, out: string[]): void {
  const bad = () => out.push(`${path || '(input)'}: expected ${shape.expect}, got ${describeValue(value)}`);
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string' || (shape.nonEmpty === true && value === '')) return void bad();
      if (shape.maxLength !== undefined && value.length > shape.maxLength) return void bad();
      if (shape.pattern !== undefined && !shape.pattern.test(value)) return void bad();
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < shape.min) bad();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad();
      return;
    case 'record':
      if (!isRecord(value)) bad();
      return;
    case 'array':
      if (!Array.isArray(value) || (shape.maxItems !== undefined && value.length > shape.maxItems)) return void bad();
      value.forEach((item, i) => walk(item, shape.items, `${path}[${i}]`, out));
      return;
    case 'object': {
      if (!isRecord(value)) return void bad();
      for (const key of Object.keys(value)) {
        if (!(key in shape.fields)) out.push(`${join(path, key)}: unknown field; allowed: ${Object.keys(shape.fields).join(', ')}`);
      }
      for (const [key, field] of Object.entries(shape.fields)) {
        const v = value[key];
        if (v === undefined) {
          if (field.required === true) out.push(`${join(path, key)}: missing; expected ${field.shape.expect}`);
          continue;
        }
        walk(v, field.shape, join(path, key), out);
      }
      return;
    }
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
