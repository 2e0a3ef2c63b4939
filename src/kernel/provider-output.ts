/**
 * How a provider returns metadata next to its data. `ActionResult.data` stays the plain
 * value an agent asked for (the file contents for `fs.read`, as in the seed), while facts
 * about it (`truncated`, `bytes`, `encoding`) travel in `ActionResult.meta`.
 */

const BRAND = Symbol.for('agent-os-kernel.provider-output');

/** A provider's return value carrying metadata; build it with {@link withMeta}. */
export interface ProviderOutput {
  readonly [BRAND]: true;
  readonly data: unknown;
  readonly meta: Readonly<Record<string, unknown>>;
}

/**
 * Wraps a provider result so the kernel returns `data` as `ActionResult.data` and `meta` as
 * `ActionResult.meta`. Providers that return anything else get it passed through as `data`.
 * @example
 * return withMeta(text, { encoding: 'utf8', bytes: 42, truncated: false });
 */
export function withMeta(data: unknown, meta: Readonly<Record<string, unknown>>): ProviderOutput {
  return { [BRAND]: true, data, meta };
}

/** Kernel side: splits a provider's return value into data and optional metadata. */
export function unpackOutput(value: unknown): { readonly data: unknown; readonly meta?: Readonly<Record<string, unknown>> } {
  if (typeof value === 'object' && value !== null && (value as Partial<ProviderOutput>)[BRAND] === true) {
    const output = value as ProviderOutput;
    return { data: output.data, meta: output.meta };
  }
  return { data: value };
}

const CREATED_FILE = Symbol.for('agent-os-kernel.created-file');

/**
 * Marks an fs.write result with the identity of the file the write left at the target (for
 * `created_by_run`: src/workflows/run-history-state.ts). The mark is a non-enumerable symbol
 * property: the kernel reads it, the agent never sees it (not in JSON, not in a spread).
 * @example
 * return withCreatedFile({ bytes, created }, '2049:1835011:1764583200123456789');
 */
export function withCreatedFile<T extends object>(data: T, file: string): T {
  Object.defineProperty(data, CREATED_FILE, { value: file, enumerable: false });
  return data;
}

/** Kernel side: the file identity an fs.write result carries, if any. */
export function createdFileOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const file: unknown = (data as Record<symbol, unknown>)[CREATED_FILE];
  return typeof file === 'string' ? file : undefined;
}
