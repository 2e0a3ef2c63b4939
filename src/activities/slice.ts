/**
 * The walking skeleton's activity: `fs.read` through a temporary, hard-coded allow-list.
 * Superseded by the kernel-backed tool activities; kept as the smallest end-to-end check
 * that a workflow's decision and its effect are recorded in history.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Result of the slice read: the seed's status words. */
export interface SliceReadResult {
  readonly status: 'OK' | 'DENIED';
  readonly data?: string;
  readonly error?: string;
}

/** Activities of the slice, created with the folders reads are allowed in. */
export interface SliceActivities {
  sliceRead(target: string): Promise<SliceReadResult>;
}

/**
 * Builds the slice's activities.
 * @param allowedRoots absolute folders whose files may be read; everything else is DENIED untouched.
 */
export function createSliceActivities(allowedRoots: readonly string[]): SliceActivities {
  const roots = allowedRoots.map((r) => path.resolve(r));
  return {
    async sliceRead(target: string): Promise<SliceReadResult> {
      const normalized = path.resolve('/', target);
      const allowed = roots.some((root) => normalized.startsWith(root + path.sep));
      if (!allowed) return { status: 'DENIED', error: 'not permitted' };
      return { status: 'OK', data: await readFile(normalized, 'utf8') };
    },
  };
}
