/**
 * JSON-Schema checks of tool arguments (ajv, compiled once per distinct schema), so a
 * model's schema-violating call is answered with an error instead of reaching the kernel.
 * Regular expressions (`pattern`, `patternProperties`) are not evaluated (schema-regex.ts):
 * a schema may be an MCP server's, and the arguments are the model's.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { withoutRegExps } from '../schema-regex';

const ajv = new Ajv({ allErrors: true, strict: false });
const cache = new Map<string, ValidateFunction>();

/** Returns a readable list of schema violations, or undefined when `args` conforms. */
export function checkArguments(schema: Readonly<Record<string, unknown>>, args: unknown): string | undefined {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(withoutRegExps(schema) as Record<string, unknown>);
    } catch (err) {
      return `the tool's parameter schema is invalid: ${(err as Error).message}`;
    }
    cache.set(key, validate);
  }
  if (validate(args)) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`).join('; ');
}

/** Why a tool's parameter schema cannot be compiled, or undefined when it can (compiled once per distinct schema). */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'it is not an object';
  const key = JSON.stringify(schema);
  if (cache.has(key)) return undefined;
  try {
    cache.set(key, ajv.compile(withoutRegExps(schema) as Record<string, unknown>));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
