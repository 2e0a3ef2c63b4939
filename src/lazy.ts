/**
 * Something costly — a module above all — made on first use rather than on import: the
 * package root stays cheap to load (docs/performance.md, "Package root"). The `require`
 * stays in the caller's file, where its path resolves.
 */

/**
 * Returns a function that calls `load` once, on its first call, and then answers what it
 * returned. If `load` throws, nothing is kept and the next call tries again.
 * @example
 * export const nodeNet = lazy(() => require('node:net') as typeof import('node:net'));
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
