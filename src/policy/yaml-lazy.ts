/**
 * `yaml`, loaded on the first policy (or tools file) parsed rather than on import, so importing
 * the package root does not pay for its ~70 modules. The node guards below stand in for yaml's
 * own: a node only exists once a document was parsed, so they never load it first.
 */
import { lazy } from '../lazy';
import type { Alias, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/** The yaml module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const yaml = lazy(() => require('yaml') as typeof import('yaml'));

/** yaml's `isScalar`, without loading yaml at import time. */
export function isScalar(node: unknown): node is Scalar {
  return yaml().isScalar(node);
}

/** yaml's `isMap`, without loading yaml at import time. */
export function isMap(node: unknown): node is YAMLMap {
  return yaml().isMap(node);
}

/** yaml's `isSeq`, without loading yaml at import time. */
export function isSeq(node: unknown): node is YAMLSeq {
  return yaml().isSeq(node);
}

/** yaml's `isAlias`, without loading yaml at import time. */
export function isAlias(node: unknown): node is Alias {
  return yaml().isAlias(node);
}
