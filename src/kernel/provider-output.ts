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
