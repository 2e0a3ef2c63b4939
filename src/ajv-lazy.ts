/**
 * ajv, loaded on the first JSON Schema compiled (an MCP tool's input schema, a tools file's
 * `parameters`) rather than on import, so importing the package root does not pay for its
 * ~60 modules.
 */
import type AjvClass from 'ajv';
import { lazy } from './lazy';

/** The Ajv class (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ajvClass = lazy((): typeof AjvClass => (require('ajv') as typeof import('ajv')).default);
