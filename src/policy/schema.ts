/**
 * The JSON Schema of the policy file format (draft-07), shipped in the package as
 * `dist/src/policy/schema.json` so editors can complete and check policies:
 *
 * ```yaml
 * # yaml-language-server: $schema=./node_modules/agent-os-kernel/dist/src/policy/schema.json
 * capabilities:
 *   - action: fs.read
 *     resource: /workspace/**
 * ```
 *
 * The schema is the editor's view: it catches unknown keys, wrong types, misspelled built-in
 * actions and constraint keys that do not fit an exact action. {@link validatePolicy} is the
 * authority and checks more (action globs, glob syntax, duplicate ids, positions).
 */
import { join } from 'node:path';
import schemaJson from './schema.json';

/** The policy JSON Schema as an object (e.g. for ajv or for writing it out). */
export const policySchema: Readonly<Record<string, unknown>> = schemaJson;

/** Absolute path of the shipped schema.json (next to this module in dist). */
export const POLICY_SCHEMA_PATH: string = join(__dirname, 'schema.json');
