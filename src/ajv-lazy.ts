/**
 * ajv, loaded on the first JSON Schema compiled (an MCP tool's input schema, a tools file's
 * `parameters`) rather than on import, so importing the package root does not pay for its
 * ~60 modules.
 */
import type AjvClass from 'ajv';

let loaded: typeof AjvClass | undefined;

/** The Ajv class (required once, then cached). */
export function ajvClass(): typeof AjvClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= (require('ajv') as typeof import('ajv')).default;
  return loaded;
}
